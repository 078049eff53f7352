"""The demo LMS: a small Flask app hosting two LTI 1.3 platforms that launch Tandem.

Routes (``<slug>`` is ``leiden`` or ``bologna``):

* ``GET /`` lists the universities; ``GET /<slug>/`` is the course page with its people;
* ``GET /<slug>/course/<user_id>`` shows Tandem in an iframe, as the LMS would; a
  Brightspace-style page also answers the tool's postMessage storage calls (``_parent``);
* ``GET /<slug>/launch/<user_id>?target=iframe|window`` starts the OIDC login at Tandem;
* ``GET|POST /<slug>/auth`` answers Tandem's authentication request with a signed id_token;
* ``GET /<slug>/jwks`` publishes the platform's keys;
* ``GET /<slug>/launch/<user_id>?message=deep_link`` opens Tandem's activity picker (teachers);
* ``POST /<slug>/deep-link-return`` receives the picked placement (:mod:`demo.deep_linking`);
* ``POST /<slug>/token`` and the NRPS/AGS endpoints live in :mod:`demo.services`;
* dynamic registration and the admin page live in :mod:`demo.registration`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from . import registration, services
from .deep_linking import DeepLinkError, receive_deep_link
from .lti_adapter import (
    DOCUMENT_TARGETS,
    AuthRequestError,
    DemoMessageLaunch,
    DemoOIDCLogin,
    FlaskRequest,
    ToolEndpoints,
    check_auth_request,
)
from .platforms import DemoPlatform, make_platforms
from .state import (
    EXTENSION_KEY,
    DemoState,
    demo_state,
    get_platforms,
    platform_conf,
    platform_or_404,
    render_error,
    user_or_404,
)

__all__ = ["create_demo_app", "demo_state", "get_platforms"]


def home() -> ResponseReturnValue:
    state = demo_state()
    return render_template(
        "demo/home.html", platforms=list(state.platforms.values()), tool=state.tool
    )


def course_page(slug: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    return render_template("demo/course.html", platform=platform)


def course_frame(slug: str, user_id: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    user = user_or_404(platform, user_id)
    return render_template(
        "demo/course_frame.html",
        platform=platform,
        user=user,
        tool_origin=origin_of(demo_state().tool.base_url),
    )


def launch(slug: str, user_id: str) -> ResponseReturnValue:
    """Third-party initiated login: send the browser to Tandem's OIDC login URL."""
    platform = platform_or_404(slug)
    user = user_or_404(platform, user_id)
    target = request.args.get("target", "iframe")
    if target not in DOCUMENT_TARGETS:
        abort(400, description="target must be 'iframe' or 'window'.")
    link = request.args.get("link")
    if link is not None and link not in platform.links:
        abort(404, description="This course has no such activity.")
    if platform.tool_status == "deleted":
        return render_error(
            403,
            "Tandem is not installed",
            "An administrator deleted the Tandem tool from this site.",
            platform,
        )
    if platform.tool_status == "pending":
        return render_error(
            403,
            "Tandem is not active yet",
            "An administrator registered Tandem but has not activated it yet.",
            platform,
        )
    message = request.args.get("message", "resource")
    if message == "deep_link" and user.role != "teacher":
        abort(403, description="Only teachers add activities.")
    login = DemoOIDCLogin(FlaskRequest(request), platform_conf(platform))
    login.set_lti_message_hint(
        user=user, target=target, link=link, message=message, platform=platform
    )
    response: ResponseReturnValue = login.initiate_login(user.user_id)
    return response


def authenticate(slug: str) -> ResponseReturnValue:
    """The OIDC authorization endpoint: check the request, then post the id_token to Tandem."""
    platform = platform_or_404(slug)
    params = {**request.args.to_dict(), **request.form.to_dict()}
    try:
        auth = check_auth_request(params, platform, demo_state().tool)
    except AuthRequestError as exc:
        return render_error(400, "The tool's login request was refused", str(exc), platform)
    message_launch = DemoMessageLaunch(FlaskRequest(request), platform_conf(platform), auth)
    html: str = message_launch.lti_launch()
    return html, 200, {"Cache-Control": "no-store"}


def deep_link_return(slug: str) -> ResponseReturnValue:
    """Receive the tool's LtiDeepLinkingResponse: verify it and place what it returned."""
    platform = platform_or_404(slug)
    try:
        placed = receive_deep_link(platform, demo_state().tool, request.form.get("JWT", ""))
    except DeepLinkError as exc:
        return render_error(400, "The tool's answer was refused", str(exc), platform)
    return render_template("demo/deep_link_done.html", platform=platform, links=placed)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def jwks(slug: str) -> ResponseReturnValue:
    return platform_or_404(slug).jwks()


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    return render_error(exc.code or 500, exc.name, exc.description or "")


def create_demo_app(
    *,
    base_url: str,
    tool_url: str,
    key_dir: Path,
    platforms: Iterable[DemoPlatform] | None = None,
) -> Flask:
    """Build the demo LMS serving at ``base_url`` and launching the Tandem at ``tool_url``.

    ``platforms`` defaults to :func:`make_platforms`; pass your own to share platform objects
    (and their keys) between a test and the app it serves.
    """
    base = base_url.rstrip("/")
    chosen = list(platforms) if platforms is not None else make_platforms(base, key_dir)
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = DemoState(
        platforms={platform.slug: platform for platform in chosen},
        tool=ToolEndpoints(tool_url.rstrip("/")),
        base_url=base,
    )
    app.add_url_rule("/", view_func=home)
    app.add_url_rule("/<slug>/", view_func=course_page)
    app.add_url_rule("/<slug>/course/<user_id>", view_func=course_frame)
    app.add_url_rule("/<slug>/launch/<user_id>", view_func=launch)
    app.add_url_rule("/<slug>/auth", view_func=authenticate, methods=["GET", "POST"])
    app.add_url_rule("/<slug>/jwks", view_func=jwks)
    app.add_url_rule("/<slug>/deep-link-return", view_func=deep_link_return, methods=["POST"])
    services.register(app)
    registration.register(app)
    app.register_error_handler(HTTPException, _http_error)
    return app
