"""``python -m demo``: serve the demo LMS; ``python -m demo registrations``: print its platforms;
``python -m demo seed``: put the ready exchange into Tandem's database (see :mod:`demo.seed`).

Configuration comes from the environment so that the Makefile and tests choose ports:
TANDEM_DEMO_HOST (127.0.0.1), TANDEM_DEMO_PORT (5051), TANDEM_DEMO_BASE_URL (derived from
host and port), TANDEM_DEMO_TOOL_URL (http://127.0.0.1:5050) and TANDEM_DEMO_KEY_DIR
(instance/demo-keys).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import run_simple


@dataclass(frozen=True)
class DemoSettings:
    host: str
    port: int
    base_url: str
    tool_url: str
    key_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DemoSettings:
        host = env.get("TANDEM_DEMO_HOST", "127.0.0.1")
        port = int(env.get("TANDEM_DEMO_PORT", "5051"))
        return cls(
            host=host,
            port=port,
            base_url=env.get("TANDEM_DEMO_BASE_URL", f"http://{host}:{port}").rstrip("/"),
            tool_url=env.get("TANDEM_DEMO_TOOL_URL", "http://127.0.0.1:5050").rstrip("/"),
            key_dir=Path(env.get("TANDEM_DEMO_KEY_DIR", "instance/demo-keys")),
        )


def registrations(settings: DemoSettings) -> str:
    """JSON list of each platform's registration arguments, for registering them in Tandem."""
    from .platforms import make_platforms

    platforms = make_platforms(settings.base_url, settings.key_dir)
    return json.dumps([p.registration_args(settings.tool_url) for p in platforms], indent=2)


def seed(settings: DemoSettings) -> str:
    """Seed Tandem's database (TANDEM_DATABASE_URL or the instance SQLite file)."""
    from plugin.db import make_engine, make_session_factory
    from web.config import Settings

    from .platforms import make_platforms
    from .seed import seed as seed_exchange

    database_url = Settings.from_env().resolved().database_url or ""
    engine = make_engine(database_url)
    try:
        platforms = make_platforms(settings.base_url, settings.key_dir)
        result = seed_exchange(make_session_factory(engine), platforms, settings.tool_url)
    finally:
        engine.dispose()
    students = sum(len(p.students) for p in platforms)
    if result.created:
        return f"Demo exchange ready: {students} students onboarded in Leiden and Bologna."
    return f"Demo exchange already seeded ({students} students onboarded); nothing changed."


def serve(settings: DemoSettings) -> None:
    """Run the demo LMS; imports stay local so `registrations` loads no Flask app."""
    from .app import create_demo_app

    app = create_demo_app(
        base_url=settings.base_url, tool_url=settings.tool_url, key_dir=settings.key_dir
    )
    print(settings.base_url + "/", flush=True)
    run_simple(settings.host, settings.port, app, threaded=True)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve", "registrations", "seed"],
        default="serve",
        help="serve the demo LMS (default), print the platforms' registrations as JSON, "
        "or seed Tandem with a ready exchange",
    )
    args = parser.parse_args(argv)
    settings = DemoSettings.from_env(os.environ if env is None else env)
    if args.command == "registrations":
        print(registrations(settings))
    elif args.command == "seed":
        print(seed(settings))
    else:
        serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
