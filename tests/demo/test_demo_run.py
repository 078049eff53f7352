"""`python -m demo.run` (what `make demo` runs): it prints the LMS's URL once, only when Tandem
and the LMS both answer; Ctrl-C or SIGTERM stops every child and exits 0 with a clear message;
a child that dies stops the rest and exits 1. Also `python -m demo.reset`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from demo.reset import reset
from migrations.runner import upgrade
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180  # gunicorn with gevent on a busy CI machine


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc: no extra dependency)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _environment(tmp_path: Path, tandem_port: int, demo_port: int) -> dict[str, str]:
    database = f"sqlite:///{tmp_path / 'tandem.sqlite3'}"
    upgrade(database)
    return {
        **os.environ,
        "TANDEM_INSTANCE_PATH": str(tmp_path / "instance"),
        "TANDEM_DATABASE_URL": database,
        "TANDEM_HOST": "127.0.0.1",
        "TANDEM_PORT": str(tandem_port),
        "TANDEM_BASE_URL": f"http://127.0.0.1:{tandem_port}",
        "TANDEM_DEMO_PORT": str(demo_port),
        "TANDEM_DEMO_TOOL_URL": f"http://127.0.0.1:{tandem_port}",
        "TANDEM_DEMO_KEY_DIR": str(tmp_path / "demo-keys"),
        "PYTHONUNBUFFERED": "1",
    }


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "demo.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    process.kill()
    pytest.fail(f"never printed {marker!r}: {lines}")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_url_once_when_ready_and_a_clean_stop(tmp_path: Path, stop: signal.Signals) -> None:
    tandem_port, demo_port = free_port(), free_port()
    process = _start(_environment(tmp_path, tandem_port, demo_port))
    try:
        lines = _read_until(process, "Press Ctrl-C to stop")
        url = f"http://127.0.0.1:{demo_port}/"
        # Ready when announced: both servers answer at once, no retry needed.
        assert requests.get(url, timeout=5).status_code == 200
        jwks = requests.get(f"http://127.0.0.1:{tandem_port}/lti/jwks", timeout=5)
        assert jwks.status_code == 200
        assert sum(url in line for line in lines) == 1, lines
        children = _children(process.pid)
        assert len(children) == 3  # Tandem, the worker, the LMS

        process.send_signal(stop)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, rest
    assert "Stopping the demo" in rest
    assert "Stopped Tandem, its worker and the demo LMS." in rest
    assert url not in rest  # printed once, not again on the way out
    assert "Traceback" not in rest
    assert not any(_alive(pid) for pid in children)
    for port in (tandem_port, demo_port):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    logs = tmp_path / "instance" / "demo-logs"
    assert {p.name for p in logs.iterdir()} == {"tandem.log", "worker.log", "demo-lms.log"}


def test_a_child_that_cannot_start_stops_the_rest_and_says_why(tmp_path: Path) -> None:
    tandem_port = free_port()
    with socket.socket() as taken:  # the LMS's port is in use
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        demo_port = taken.getsockname()[1]
        process = _start(_environment(tmp_path, tandem_port, demo_port))
        try:
            out, _ = process.communicate(timeout=START_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 1, out
    assert "demo LMS stopped unexpectedly" in out
    assert "Address already in use" in out or "in use" in out
    assert "open this in a browser" not in out  # never announced as ready


def test_reset_asks_then_deletes_only_the_demo_state(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    (instance / "demo-logs").mkdir(parents=True)
    (instance / "tandem.sqlite3").write_text("db")
    (instance / "secret-key").write_text("k")
    (instance / "notes.txt").write_text("mine")  # not the demo's: kept
    env = {
        "TANDEM_INSTANCE_PATH": str(instance),
        "TANDEM_PORT": str(free_port()),
        "TANDEM_DEMO_PORT": str(free_port()),
    }
    said: list[str] = []
    assert reset(env, yes=False, ask=lambda _q: "n", out=said.append) == 1
    assert (instance / "tandem.sqlite3").exists()
    assert reset(env, yes=False, ask=lambda _q: "y", out=said.append) == 0
    assert sorted(p.name for p in instance.iterdir()) == ["notes.txt"]
    assert reset(env, yes=True, out=said.append) == 0
    assert said[-1].startswith("Nothing to reset")

    server = {"TANDEM_DATABASE_URL": "postgresql+psycopg://x@db/tandem", **env}
    assert reset(server, yes=True, out=said.append) == 1
    assert "TANDEM_DATABASE_URL is set" in said[-1]


def test_reset_refuses_while_the_demo_runs(tmp_path: Path) -> None:
    with socket.socket() as running:
        running.bind(("127.0.0.1", 0))
        running.listen()
        env = {
            "TANDEM_INSTANCE_PATH": str(tmp_path),
            "TANDEM_PORT": str(running.getsockname()[1]),
            "TANDEM_DEMO_PORT": str(free_port()),
        }
        (tmp_path / "tandem.sqlite3").write_text("db")
        said: list[str] = []
        assert reset(env, yes=True, out=said.append) == 1
    assert "stop it with Ctrl-C first" in said[-1]
    assert (tmp_path / "tandem.sqlite3").exists()
