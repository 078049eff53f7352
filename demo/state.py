"""The demo app's shared state and the lookups every view (pages and services) needs.

Kept apart from :mod:`demo.app` so that :mod:`demo.services` can use it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, abort, current_app, render_template
from flask.typing import ResponseReturnValue

from .lti_adapter import DemoPlatformConf, ToolEndpoints
from .platforms import DemoPlatform, DemoUser

EXTENSION_KEY = "tandem_demo"


@dataclass(frozen=True)
class DemoState:
    """What every view needs: the platforms by slug and where Tandem is."""

    platforms: dict[str, DemoPlatform]
    tool: ToolEndpoints
    base_url: str


def demo_state(app: Flask | None = None) -> DemoState:
    """The demo state of ``app`` (default: the current app)."""
    state: DemoState = (app or current_app).extensions[EXTENSION_KEY]
    return state


def get_platforms(app: Flask) -> dict[str, DemoPlatform]:
    """The app's platforms by slug: tests sign with them, rotate keys, toggle anonymous mode."""
    return demo_state(app).platforms


def platform_or_404(slug: str) -> DemoPlatform:
    platform = demo_state().platforms.get(slug)
    if platform is None:
        abort(404, description=f"There is no university called {slug!r} here.")
    return platform


def user_or_404(platform: DemoPlatform, user_id: str) -> DemoUser:
    user = platform.user(user_id)
    if user is None:
        abort(404, description=f"{platform.name} has no user {user_id!r}.")
    return user


def platform_conf(platform: DemoPlatform) -> DemoPlatformConf:
    """A fresh lti1p3platform configuration per request (the library caches on it)."""
    return DemoPlatformConf(platform=platform, tool=demo_state().tool)


def render_error(
    status: int, title: str, reason: str, platform: DemoPlatform | None = None
) -> ResponseReturnValue:
    html = render_template(
        "demo/error.html", status=status, title=title, reason=reason, platform=platform
    )
    return html, status
