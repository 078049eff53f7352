"""Production shape: two Tandem processes (gunicorn, gevent worker) behind nginx with sticky
sessions, sharing one database and the Redis on 127.0.0.1. Two members whose connections nginx
puts on different processes chat with each other.

Stickiness: nginx hashes the ``affinity`` query parameter the room page adds to every Socket.IO
request of a tab (web/static/room.js), so even the first request of a session is routed like
the rest; ``ip_hash`` would put every client of this test (all 127.0.0.1) on one process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from migrations.runner import upgrade
from plugin.db import make_engine, make_session_factory
from tests.live import free_port, wait_for_http, wait_for_port
from tests.plugin.rooms.rooms_world import World, build_world
from tests.realtime.test_realtime_redis_processes import SECRET, Member

pytestmark = [pytest.mark.redis, pytest.mark.slow]
NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream tandem {{
    hash $arg_affinity consistent;
    server 127.0.0.1:{a};
    server 127.0.0.1:{b};
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://tandem;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_read_timeout 120s;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      add_header X-Tandem-Upstream $upstream_addr always;
    }}
  }}
}}
"""


def _nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
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


@pytest.fixture
def cluster(tmp_path: Path, redis_url: str) -> Iterator[Cluster]:
    nginx = _nginx()
    database_url = f"sqlite:///{tmp_path / 'tandem.sqlite3'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        world = build_world(session)
    engine.dispose()
    backends = {"a": free_port(), "b": free_port()}
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
            wait_for_http(port, processes[-1], log)  # the worker has the app, not just the port
        port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(tmp=tmp_path, a=backends["a"], b=backends["b"], port=port)
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
        super().__init__(getattr(world, actor_name), world.room_id, 0)

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
