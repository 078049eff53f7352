"""The composition root: the one place that knows plugin, lti, realtime and web together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import socketio as socketio_server
from flask import Flask
from flask_babel import get_locale
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from lti.keys import ToolKeyStore
from lti.launch import LtiContext
from lti.platform_keys import PlatformKeyCache
from plugin.db import make_engine, make_session_factory
from realtime import manager as rooms_manager
from web import db, errors, inputs, ratelimit, redis_client, security
from web import tasks as web_tasks
from web.config import Settings
from web.extensions import babel, socketio
from web.i18n import LANGUAGES, day, number, select_locale, select_timezone, translated
from web.pages.forms import phase_title
from web.sessions import TandemSessionInterface

TRANSLATIONS = Path(__file__).parent / "translations"


def client_manager(redis_url: str | None) -> socketio_server.Manager:
    """Who fans emits out: this process alone, or every process through Redis.

    Always explicit, because the shared ``socketio`` keeps its options between ``init_app``
    calls; realtime.manager's, which find a leaving connection's rooms without a scan. Redis
    gets a pool of 1000: redis-py's default of 100 runs dry under a burst of emits, which then
    fail.
    """
    if not redis_url:
        return rooms_manager.Manager()
    return rooms_manager.RedisManager(
        redis_url,
        channel="flask-socketio",
        redis_options={"max_connections": redis_client.POOL_SIZE},
    )


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: Callable[[], Session] | None = None,
    key_cache: PlatformKeyCache | None = None,
) -> Flask:
    settings = (settings or Settings.from_env()).resolved()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.session_interface = TandemSessionInterface()
    inputs.init_app(app)  # the <id:...> converter must exist before any route is added
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TANDEM_SETTINGS=settings,
        TESTING=settings.env == "test",
        # Inside an LMS iframe over https the session cookie is third-party: it must be
        # SameSite=None; Secure, and Partitioned (CHIPS) so browsers that block third-party
        # cookies still keep it for this LMS.
        SESSION_COOKIE_SECURE=settings.is_https,
        SESSION_COOKIE_SAMESITE="None" if settings.is_https else "Lax",
        SESSION_COOKIE_PARTITIONED=settings.is_https,
        SESSION_COOKIE_NAME="tandem_session",
        PREFERRED_URL_SCHEME="https" if settings.is_https else "http",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    if settings.is_production:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    if session_factory is None:
        assert settings.database_url is not None  # noqa: S101 - resolved() filled it
        session_factory = make_session_factory(
            make_engine(settings.database_url, connections=settings.database_connections)
        )
    db.init_app(app, session_factory)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    socketio.init_app(
        app,
        async_mode=settings.socketio_async_mode,
        client_manager=client_manager(settings.redis_url),
    )
    import realtime

    realtime.register(
        socketio,
        app,
        redis_url=settings.redis_url,
        jitsi_url=settings.jitsi_url,
        token_seconds=settings.room_token_seconds,
    )
    queue = web_tasks.init_app(app, settings)
    from web.pages.home import launch_landing

    app.extensions["tandem.lti"] = LtiContext(
        schedule_roster=lambda course_id: queue.sync_roster(course_id),
        keys=ToolKeyStore(settings.instance_path / "keys"),
        base_url=settings.base_url,
        key_cache=key_cache or PlatformKeyCache(ttl_seconds=settings.jwks_cache_seconds),
        land=launch_landing,
    )

    from lti import bp as lti_bp
    from lti import placements as _lti_placements  # noqa: F401 (routes register on import)
    from lti import routes as _lti_routes  # noqa: F401 (routes register on import)
    from web.cli import cli
    from web.pages import bp as pages_bp

    app.register_blueprint(lti_bp)
    app.register_blueprint(pages_bp)
    app.cli.add_command(cli)
    errors.init_app(app)
    ratelimit.init_app(app, settings.redis_url, enabled=settings.rate_limits)
    security.init_app(app, settings)
    app.jinja_env.globals.update(
        languages=LANGUAGES, get_locale=get_locale, phase_title=phase_title, translated=translated
    )
    app.jinja_env.filters.update(day=day, number=number)
    return app
