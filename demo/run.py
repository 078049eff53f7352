"""``python -m demo.run``: start the whole demo, say where it is once, and stop it cleanly.

What ``make demo`` runs after migrating and seeding. Three children: Tandem under gunicorn with
gevent (as in production), the task-queue worker (``tandem worker``: roster reads, grades,
email) and the demo LMS. The URL is printed only when both web servers answer HTTP, so it
works the moment it appears. Ctrl-C or SIGTERM stops every child (SIGTERM, then SIGKILL after
a grace period) and exits 0; a child that dies on its own stops the rest and exits 1 with the
end of its log. Children's output goes to log files, so the terminal keeps the URL in view.

Why children run in their own sessions: a Ctrl-C in the terminal then reaches only this
supervisor, which stops each child in order instead of every process receiving SIGINT at once
(that race is what once left make printing "Segmentation fault"). When run in the terminal's
foreground, the supervisor also takes the foreground for itself, so ``make`` above it does not
see the Ctrl-C either and ends quietly with this process's exit status.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import requests

READY_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class RunSettings:
    """Where everything listens and where the logs go, from the Makefile's variables."""

    tandem_host: str
    tandem_port: int
    demo_host: str
    demo_port: int
    log_dir: Path
    bin_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RunSettings:
        instance = Path(env.get("TANDEM_INSTANCE_PATH") or "instance")
        return cls(
            tandem_host=env.get("TANDEM_HOST", "127.0.0.1"),
            tandem_port=int(env.get("TANDEM_PORT", "5050")),
            demo_host=env.get("TANDEM_DEMO_HOST", "127.0.0.1"),
            demo_port=int(env.get("TANDEM_DEMO_PORT", "5051")),
            log_dir=Path(env.get("TANDEM_DEMO_LOG_DIR") or instance / "demo-logs"),
            bin_dir=Path(sys.executable).parent,
        )

    @property
    def tandem_url(self) -> str:
        return f"http://{self.tandem_host}:{self.tandem_port}"

    @property
    def demo_url(self) -> str:
        return f"http://{self.demo_host}:{self.demo_port}"


@dataclass
class Child:
    """One supervised process and the log file its output goes to."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    ready_url: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own commands, no shell
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,  # a terminal's Ctrl-C reaches the supervisor only
            )

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, grace: float) -> None:
        """SIGTERM the child's process group, then SIGKILL it if it is still there."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=grace)

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def children(settings: RunSettings, env: Mapping[str, str]) -> list[Child]:
    """Tandem (gunicorn + gevent, one worker: Socket.IO needs it), the worker and the LMS."""
    base = dict(env)
    base.setdefault("TANDEM_BASE_URL", settings.tandem_url)
    tandem_env = {**base, "TANDEM_ASYNC_MODE": "gevent"}
    demo_env = {
        **base,
        "TANDEM_DEMO_HOST": settings.demo_host,
        "TANDEM_DEMO_PORT": str(settings.demo_port),
        "TANDEM_DEMO_TOOL_URL": base.get("TANDEM_DEMO_TOOL_URL", settings.tandem_url),
    }
    logs = settings.log_dir
    return [
        Child(
            "Tandem",
            [
                str(settings.bin_dir / "gunicorn"),
                "--bind",
                f"{settings.tandem_host}:{settings.tandem_port}",
                "-k",
                "gevent",
                "--workers",
                "1",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            tandem_env,
            logs / "tandem.log",
            ready_url=f"{settings.tandem_url}/lti/jwks",
        ),
        Child("worker", [str(settings.bin_dir / "tandem"), "worker"], base, logs / "worker.log"),
        Child(
            "demo LMS",
            [sys.executable, "-m", "demo"],
            demo_env,
            logs / "demo-lms.log",
            ready_url=f"{settings.demo_url}/",
        ),
    ]


class Stop(Exception):
    """Raised in the main loop by the SIGINT/SIGTERM handler."""


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def answers(url: str) -> bool:
    """True when a web server answers ``url`` with anything but a server error."""
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def wait_until_ready(procs: Sequence[Child], timeout: float) -> Child | None:
    """Poll until every child with a ready URL answers; returns a child that died meanwhile."""
    deadline = time.monotonic() + timeout
    waiting = [c for c in procs if c.ready_url]
    while waiting:
        for child in procs:
            if child.exit_code is not None:
                return child
        waiting = [c for c in waiting if not answers(c.ready_url or "")]
        if waiting and time.monotonic() > deadline:
            names = ", ".join(c.name for c in waiting)
            raise TimeoutError(f"{names} did not answer within {timeout:.0f} s")
        if waiting:
            time.sleep(0.2)
    return None


@contextlib.contextmanager
def terminal_foreground(stream: IO[str]) -> Iterator[None]:
    """Own the terminal's foreground while running, so Ctrl-C reaches this process only.

    Does nothing when there is no controlling terminal or we are not in its foreground
    (tests, CI, a background job): then signals arrive as they would anyway.
    """
    try:
        fd = stream.fileno()
        if not os.isatty(fd) or os.tcgetpgrp(fd) != os.getpgrp():
            raise OSError("not the terminal's foreground")
        previous = os.getpgrp()
        os.setpgid(0, 0)
        old_ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(fd, os.getpgrp())
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(fd, previous)
        signal.signal(signal.SIGTTOU, old_ttou)


def supervise(settings: RunSettings, env: Mapping[str, str], out: IO[str]) -> int:
    """Start, announce, watch, stop. The exit code says whether the demo ended as asked."""
    procs = children(settings, env)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    try:
        print("Starting Tandem, its worker and the demo LMS ...", file=out, flush=True)
        for child in procs:
            child.start()
        died = wait_until_ready(procs, READY_TIMEOUT_S)
        if died is None:
            print(
                f"\nTandem demo LMS (open this in a browser):\n{settings.demo_url}/\n\n"
                f"Logs are in {settings.log_dir}/. Press Ctrl-C to stop.",
                file=out,
                flush=True,
            )
            while died is None:
                time.sleep(0.5)
                died = next((c for c in procs if c.exit_code is not None), None)
        print(
            f"\n{died.name} stopped unexpectedly (exit code {died.exit_code}); the end of "
            f"{died.log}:\n{died.tail()}",
            file=out,
            flush=True,
        )
        status = 1
    except Stop:
        print("\nStopping the demo ...", file=out, flush=True)
    except TimeoutError as error:
        print(f"\nThe demo did not start: {error}. See {settings.log_dir}/.", file=out, flush=True)
        status = 1
    finally:
        for sig in previous:  # a second Ctrl-C must not interrupt the stopping
            signal.signal(sig, signal.SIG_IGN)
        for child in reversed(procs):
            child.stop(STOP_GRACE_S)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if status == 0:
        print("Stopped Tandem, its worker and the demo LMS.", file=out, flush=True)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.run", description=__doc__)
    parser.parse_args(argv)
    settings = RunSettings.from_env(os.environ)
    with terminal_foreground(sys.stdin):
        return supervise(settings, os.environ, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
