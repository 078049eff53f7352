"""A live stack whose Tandem knows no platform yet: for dynamic registration and browsers.

``demo_host`` lets a browser test serve the demo LMS as ``localhost`` while Tandem stays on
``127.0.0.1``, so the two are different sites and third-party cookie rules apply.
"""

from __future__ import annotations

from pathlib import Path

from demo.app import create_demo_app
from demo.platforms import make_platforms
from lti.platform_keys import PlatformKeyCache
from migrations.runner import upgrade
from plugin.db import make_engine, make_session_factory
from tests.live import LiveStack, ServerThread, free_port
from web.app import create_app
from web.config import Settings


def start_open_stack(
    database_url: str, instance: Path, *, demo_host: str = "127.0.0.1"
) -> tuple[LiveStack, list[ServerThread]]:
    upgrade(database_url)
    tandem_port, demo_port = free_port(), free_port()
    tandem_url, demo_url = f"http://127.0.0.1:{tandem_port}", f"http://{demo_host}:{demo_port}"
    platforms = make_platforms(demo_url, instance / "demo-keys")
    engine = make_engine(database_url)
    session_factory = make_session_factory(engine)
    key_cache = PlatformKeyCache(ttl_seconds=300)
    settings = Settings(
        env="test", instance_path=instance / "tandem", secret_key="s" * 40, base_url=tandem_url
    )
    tandem = create_app(settings, session_factory=session_factory, key_cache=key_cache)
    demo = create_demo_app(
        base_url=demo_url, tool_url=tandem_url, key_dir=instance / "demo-keys", platforms=platforms
    )
    servers = [ServerThread(tandem, tandem_port), ServerThread(demo, demo_port)]
    stack = LiveStack(
        tandem_url=tandem_url,
        demo_url=demo_url,
        platforms={p.slug: p for p in platforms},
        session_factory=session_factory,
        key_cache=key_cache,
        tandem=tandem,
        engine=engine,
    )
    return stack, servers
