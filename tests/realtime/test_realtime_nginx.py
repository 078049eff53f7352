"""Production shape, with the README's own nginx config: two rooms processes and one pages
process (gunicorn, gevent worker) behind nginx, sharing one database and the Redis on 127.0.0.1.
Two members whose connections nginx puts on different rooms processes chat with each other, no
page is served by a rooms process nor a room by the pages process, and a teacher's removal,
answered by the pages process, cuts the member's connection on a rooms process.

Stickiness: nginx hashes the ``affinity`` query parameter the room page adds to every Socket.IO
request of a tab (web/static/room.js), so even the first request of a session is routed like
the rest; ``ip_hash`` would put every client of this test (all 127.0.0.1) on one process.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from migrations.runner import upgrade
from plugin.db import make_engine, make_session_factory
from tests.conftest import REDIS_ENV
from tests.live import free_port, nginx_binary, nginx_conf, wait_for_http, wait_for_port
from tests.plugin.rooms.rooms_world import World, build_world
from tests.realtime.test_realtime_redis_processes import SECRET, Member
from web.app import create_app
from web.config import Settings

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _nginx() -> str:
    found = nginx_binary()
    if found is None:
        pytest.skip(
            "nginx is not installed (Debian: apt-get install nginx; make pytest does it as root)"
        )
    return found


@dataclass
class Cluster:
    world: World
    url: str
    backends: dict[str, int]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster for the module's tests (its processes take seconds to start); the removal
    test runs last in the file, as it takes chen out of the team."""
    redis_url = os.environ.get(REDIS_ENV)
    if not redis_url:
        pytest.skip(f"Redis tests need {REDIS_ENV} (e.g. redis://127.0.0.1:6379/0)")
    tmp_path = tmp_path_factory.mktemp("nginx")
    nginx = _nginx()
    database_url = f"sqlite:///{tmp_path / 'tandem.sqlite3'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        world = build_world(session)
    engine.dispose()
    backends = {"a": free_port(), "b": free_port(), "pages": free_port()}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, port in backends.items():
            env = {
                **os.environ,
                "TANDEM_ENV": "test",
                "TANDEM_ASYNC_MODE": "gevent",
                "TANDEM_DATABASE_URL": database_url,
                "TANDEM_REDIS_URL": redis_url,
                "TANDEM_SECRET_KEY": SECRET,
                "TANDEM_INSTANCE_PATH": str(tmp_path / name),
            }
            log = tmp_path / f"{name}.log"
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "gunicorn",
                            "-k",
                            "gevent",
                            "-w",
                            "1",
                            "-b",
                            f"127.0.0.1:{port}",
                            "wsgi:app",
                        ],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        cwd=Path(__file__).resolve().parents[2],
                    )
                )
        for (name, port), process in zip(backends.items(), processes, strict=True):
            # Started together, each waited for: the worker has the app, not just the port.
            wait_for_http(port, process, tmp_path / f"{name}.log")
        port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            nginx_conf(
                tmp_path, port, rooms=[backends["a"], backends["b"]], pages=[backends["pages"]]
            )
        )
        log = tmp_path / "nginx-error.log"
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                    stderr=out,
                )
            )
        wait_for_port(port, processes[-1], log)
        yield Cluster(world, f"http://127.0.0.1:{port}", backends)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _affinity_for(cluster: Cluster, backend: int) -> str:
    """A tab key that nginx sends to ``backend`` (it reports its pick in a header)."""
    for n in range(200):
        probe = requests.get(
            f"{cluster.url}/socket.io/?EIO=4&transport=polling&affinity=tab{n}", timeout=10
        )
        if probe.headers.get("X-Tandem-Upstream") == f"127.0.0.1:{backend}":
            return f"tab{n}"
    raise AssertionError("nginx never picked this backend")


class ViaNginx(Member):
    def __init__(self, cluster: Cluster, actor_name: str, backend: str) -> None:
        self.url = f"{cluster.url}/?affinity={_affinity_for(cluster, cluster.backends[backend])}"
        world = cluster.world
        self.removed: queue.Queue[dict[str, Any]] = queue.Queue()
        super().__init__(getattr(world, actor_name), world.room_id, 0)
        self.client.on("removed", self.removed.put, namespace="/rooms")

    def connect(self, port: int) -> None:
        self.client.connect(
            self.url,
            namespaces=["/rooms"],
            auth={"token": self.token},
            transports=["polling"],
            wait_timeout=10,
        )


def test_members_on_different_processes_behind_nginx_chat(cluster: Cluster) -> None:
    alice = ViaNginx(cluster, "alice", "a")
    bruno = ViaNginx(cluster, "bruno", "b")
    try:
        # Many polling requests later, each session still lives on its own process.
        for _ in range(5):
            assert bruno.call("sync")["ok"]
        assert cluster.world.alice.person_id in bruno.call("sync")["online"]
        sent = alice.call("send", {"client_id": "n-1", "body": "via nginx, from A"})
        assert sent["ok"]
        received = bruno.chat.get(timeout=10)
        assert (received["id"], received["body"]) == (sent["message"]["id"], "via nginx, from A")
        reply = bruno.call("send", {"client_id": "n-2", "body": "and back from B"})
        assert alice.chat.get(timeout=10)["id"] == reply["message"]["id"]
    finally:
        alice.client.disconnect()
        bruno.client.disconnect()


def test_rooms_and_pages_are_served_by_their_own_processes(cluster: Cluster) -> None:
    rooms = {f"127.0.0.1:{cluster.backends[name]}" for name in ("a", "b")}
    pages = f"127.0.0.1:{cluster.backends['pages']}"
    answered = {
        requests.get(
            f"{cluster.url}/socket.io/?EIO=4&transport=polling&affinity=tab{n}", timeout=10
        ).headers["X-Tandem-Upstream"]
        for n in range(20)
    }
    assert answered == rooms  # both rooms processes take tabs, the pages process none
    for path in ("/lti/jwks", "/", "/rooms", "/verify"):
        page = requests.get(cluster.url + path, timeout=10, allow_redirects=False)
        assert page.headers["X-Tandem-Upstream"] == pages, path


def _teacher_cookie(cluster: Cluster, tmp_path: Path) -> dict[str, str]:
    """The signed session cookie a launch would give the Leiden teacher (same secret as the
    processes; the session lives in the cookie, so any pages process accepts it)."""
    app = create_app(
        Settings(env="test", instance_path=tmp_path / "cookie", secret_key=SECRET),
        session_factory=lambda: None,  # type: ignore[arg-type, return-value]
    )
    teacher = cluster.world.teacher
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    value = serializer.dumps(
        {"person_id": teacher.person_id, "role": teacher.role.value, "course_id": teacher.course_id}
    )
    return {"tandem_session": value}


def test_a_removal_answered_by_the_pages_process_cuts_the_member_on_a_rooms_process(
    cluster: Cluster, tmp_path: Path
) -> None:
    world = cluster.world
    chen = ViaNginx(cluster, "chen", "a")
    try:
        assert chen.call("sync")["ok"]
        done = requests.post(
            f"{cluster.url}/exchanges/{world.exchange_id}/teams/{world.team_id}"
            f"/members/{world.chen.person_id}/remove",
            cookies=_teacher_cookie(cluster, tmp_path),
            allow_redirects=False,
            timeout=10,
        )
        assert done.status_code == 303
        assert done.headers["X-Tandem-Upstream"] == f"127.0.0.1:{cluster.backends['pages']}"
        assert chen.removed.get(timeout=10) == {
            "reason": "You are no longer a member of this team."
        }
        deadline = time.monotonic() + 10
        while chen.client.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not chen.client.connected
    finally:
        chen.client.disconnect()
