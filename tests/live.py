"""Tandem and the demo LMS serving over real HTTP, and a driver for launches through them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from demo.app import create_demo_app
from demo.platforms import DemoPlatform, make_platforms
from demo.testing import launch_form_fields, query_of
from lti.platform_keys import PlatformKeyCache
from lti.platforms import PlatformSpec, add_platform
from migrations.runner import upgrade
from plugin.db import make_engine, make_session_factory
from web.app import create_app
from web.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ServerThread:
    def __init__(self, app: Flask, port: int) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@dataclass
class LiveStack:
    """Tandem and the demo LMS, both serving on 127.0.0.1, with Tandem's database at hand."""

    tandem_url: str
    demo_url: str
    platforms: dict[str, DemoPlatform]
    session_factory: Callable[[], Session]
    key_cache: PlatformKeyCache
    tandem: Flask
    engine: Engine

    def platform(self, slug: str) -> DemoPlatform:
        return self.platforms[slug]


def start_stack(
    database_url: str, instance: Path, *, register: bool = True, demo_host: str = "127.0.0.1"
) -> tuple[LiveStack, list[ServerThread]]:
    """Serve Tandem (migrated database) and the demo LMS on free ports.

    ``register=False`` leaves Tandem knowing no platform (dynamic registration tests);
    ``demo_host="localhost"`` makes the LMS another *site* than Tandem on 127.0.0.1, so a
    browser applies its third-party cookie rules.
    """
    upgrade(database_url)  # the real migrations, not create_all
    tandem_port, demo_port = free_port(), free_port()
    tandem_url, demo_url = f"http://127.0.0.1:{tandem_port}", f"http://{demo_host}:{demo_port}"
    platforms = make_platforms(demo_url, instance / "demo-keys")
    engine = make_engine(database_url)
    session_factory = make_session_factory(engine)
    with session_factory() as db:
        for platform in platforms if register else ():
            args = platform.registration_args(tandem_url)
            args["deployment_ids"] = tuple(args["deployment_ids"])
            add_platform(db, PlatformSpec(**args), allow_http=True)
    key_cache = PlatformKeyCache(ttl_seconds=300)
    settings = Settings(
        env="test", instance_path=instance / "tandem", secret_key="s" * 40, base_url=tandem_url
    )
    tandem = create_app(settings, session_factory=session_factory, key_cache=key_cache)
    tandem.config["TANDEM_RATE_LIMITS"] = False  # e2e tests launch far more than a person
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


@dataclass
class LoginStarted:
    http: requests.Session
    state: str
    nonce: str


class Launcher:
    """Drives launches the way a browser and an LMS would, over HTTP."""

    def __init__(self, stack: LiveStack) -> None:
        self.stack = stack

    def full_launch(self, slug: str, user_id: str, *, target: str = "window") -> requests.Response:
        """Click a user in the demo LMS and follow the whole OIDC flow to Tandem's page."""
        http = requests.Session()
        url = f"{self.stack.demo_url}/{slug}/launch/{user_id}?target={target}"
        form_page = http.get(url, timeout=10)
        assert form_page.status_code == 200, form_page.text
        form = launch_form_fields(form_page.text)
        action = form.pop("action")
        return http.post(action, data=form, timeout=10)

    def login(self, slug: str, user_id: str | None = None) -> LoginStarted:
        """Start Tandem's OIDC login and stop at the redirect to the platform."""
        platform = self.stack.platform(slug)
        http = requests.Session()
        response = http.get(
            f"{self.stack.tandem_url}/lti/login",
            params={
                "iss": platform.issuer,
                "login_hint": user_id or platform.students[0].user_id,
                "target_link_uri": f"{self.stack.tandem_url}/lti/launch",
                "client_id": platform.client_id,
                "lti_deployment_id": platform.deployment_id,
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text
        query = query_of(response.headers["Location"])
        return LoginStarted(http=http, state=query["state"], nonce=query["nonce"])

    def claims(
        self, slug: str, started: LoginStarted, user_id: str | None = None
    ) -> dict[str, Any]:
        platform = self.stack.platform(slug)
        user = platform.user(user_id) if user_id else platform.students[0]
        assert user is not None
        return platform.launch_claims(
            user,
            nonce=started.nonce,
            target_link_uri=f"{self.stack.tandem_url}/lti/launch",
            document_target="window",
        )

    def post(
        self, started: LoginStarted, id_token: str | None, *, state: str | None = None
    ) -> requests.Response:
        data = {"state": state if state is not None else started.state}
        if id_token is not None:
            data["id_token"] = id_token
        return started.http.post(
            f"{self.stack.tandem_url}/lti/launch",
            data=data,
            headers={"Accept": "application/json"},
            timeout=10,
        )


@contextmanager
def running_stack(
    database_url: str, instance: Path, *, register: bool = True, demo_host: str = "127.0.0.1"
) -> Iterator[LiveStack]:
    """A live stack for the duration of a block; servers stopped and connections closed after
    (before a test database is dropped)."""
    stack, servers = start_stack(database_url, instance, register=register, demo_host=demo_host)
    try:
        yield stack
    finally:
        for server in servers:
            server.stop()
        stack.engine.dispose()


def wait_for_port(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    """Until a server process listens on ``port``; its log is the error if it dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}: {log.read_text()}")


def wait_for_http(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    """Until the app behind ``port`` answers an HTTP request (any status).

    An open port is not enough under gunicorn: the master listens at once, and the worker
    accepts only once it has imported the app, seconds later on a busy machine. A client's
    first request waits in the listen backlog meanwhile, and a websocket handshake with a
    5-s timeout (python-socketio's client) gives up before the worker ever sees it.
    """
    deadline = time.monotonic() + timeout
    wait_for_port(port, process, log, timeout)
    while (left := deadline - time.monotonic()) > 0:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=left, allow_redirects=False)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answers HTTP on port {port}: {log.read_text()}")


README = Path(__file__).resolve().parents[1] / "README.md"
README_ROOMS = ("127.0.0.1:8001", "127.0.0.1:8002")
README_PAGES = ("127.0.0.1:8003", "127.0.0.1:8004")


def readme_nginx_block() -> str:
    """The nginx config the README tells universities to deploy, as it stands there."""
    text = README.read_text()
    start = text.index("```nginx\n") + len("```nginx\n")
    return text[start : text.index("```", start)]


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"the README's nginx block no longer has exactly one {old!r}")
    return text.replace(old, new)


def nginx_conf(
    tmp: Path, listen: int, rooms: list[int], pages: list[int], connections: int = 1024
) -> str:
    """The README's nginx block made runnable on 127.0.0.1: its upstream servers replaced by
    ``rooms`` and ``pages`` ports, a plain-HTTP listener, temp paths under ``tmp`` and a header
    naming the process that answered. Tests and the soak run exactly what the README says, so
    a change there is a change to what they run (and a block they cannot read fails loudly)."""
    block = readme_nginx_block()
    for upstream, servers, ports in (
        ("tandem_rooms", README_ROOMS, rooms),
        ("tandem_pages", README_PAGES, pages),
    ):
        lines = "".join(f"  server 127.0.0.1:{port};\n" for port in ports)
        shown = "".join(f"  server {server};\n" for server in servers)
        if f"upstream {upstream} {{\n" not in block:
            raise ValueError(f"the README's nginx block no longer has upstream {upstream}")
        block = _replace_once(block, shown, lines)
    block = _replace_once(
        block,
        "  # listen 443 ssl; ...\n",
        f"  listen 127.0.0.1:{listen};\n  add_header X-Tandem-Upstream $upstream_addr always;\n",
    )
    return (
        "worker_processes 1;\n"
        f"pid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/nginx-error.log warn;\n"
        f"events {{ worker_connections {connections}; }}\n"
        "http {\n"
        "  access_log off;\n"
        + "".join(
            f"  {kind}_temp_path {tmp}/{name};\n"
            for kind, name in (
                ("client_body", "body"),
                ("proxy", "proxy"),
                ("fastcgi", "fastcgi"),
                ("uwsgi", "uwsgi"),
                ("scgi", "scgi"),
            )
        )
        + block
        + "}\n"
    )


def nginx_binary() -> str | None:
    """Debian's nginx, wherever this machine has it (None: not installed)."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    return found
