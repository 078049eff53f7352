"""Complete LTI launches per second over real HTTP: Tandem vs. a pylti1p3 example tool.

A complete launch is what a browser does when a user clicks the tool in the LMS: login
initiation at the platform, the tool's OIDC login, the platform's signed id_token form, the
tool's launch, and the landing page. Each tool runs under gunicorn (1 worker, 8 threads: the
production way), each with its own demo platform process, and the same client drives both in
alternating rounds so that machine noise hits both alike. Prints one JSON line last.

    python bench/launch.py [--quick] [--clients N] [--seconds S] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from demo.testing import launch_form_fields  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


@dataclass
class Target:
    name: str
    demo_url: str
    users: list[tuple[str, str]]  # (platform slug, user id)


@contextmanager
def processes(log: Path, *commands: tuple[list[str], dict[str, str]]) -> Iterator[None]:
    """Run servers for the block; their output goes to ``log``, shown if something fails."""
    with log.open("w") as sink:
        started = [
            subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=sink, stderr=sink)
            for cmd, env in commands
        ]
    try:
        yield
    except BaseException:
        print(
            "\n".join(x for x in log.read_text().splitlines() if "HTTP/1.1" not in x)[-4000:],
            file=sys.stderr,
        )
        raise
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=10)


def demo_env(port: int, tool_url: str, key_dir: Path) -> dict[str, str]:
    return {
        "TANDEM_DEMO_PORT": str(port),
        "TANDEM_DEMO_TOOL_URL": tool_url,
        "TANDEM_DEMO_KEY_DIR": str(key_dir),
    }


def registrations(env: dict[str, str]) -> str:
    out = subprocess.run(
        [str(BIN / "python"), "-m", "demo", "registrations"],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def gunicorn(port: int, app: str, worker: str = "gthread") -> list[str]:
    pool = ["-k", "gevent"] if worker == "gevent" else ["--threads", "8"]
    return [
        str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
        *pool, "--log-level", "warning", app,
    ]  # fmt: skip


def one_launch(demo_url: str, slug: str, user_id: str) -> float:
    started = time.perf_counter()
    http = requests.Session()
    form_page = http.get(f"{demo_url}/{slug}/launch/{user_id}?target=window", timeout=30)
    try:
        form = launch_form_fields(form_page.text)
    except ValueError as error:
        reason = form_page.text.split('data-reason="', 1)[-1][:40]
        raise RuntimeError(f"no launch form ({form_page.status_code}, {reason})") from error
    landing = http.post(form.pop("action"), data=form, timeout=30)
    if landing.status_code != 200 or "<h1" not in landing.text:
        raise RuntimeError(f"launch failed: {landing.status_code} {landing.text[:300]}")
    return time.perf_counter() - started


def run_round(target: Target, clients: int, seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        i = offset
        while time.monotonic() < stop_at:
            slug, user = target.users[i % len(target.users)]
            i += clients
            try:
                elapsed = one_launch(target.demo_url, slug, user)
            except Exception as error:
                errors.append(error)
                return
            with lock:
                latencies.append(elapsed)

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{target.name}: {errors[0]}")
    return len(latencies) / (time.monotonic() - began), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short rounds (< 60 s in all)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--tandem-worker",
        choices=("gevent", "gthread"),
        default="gevent",
        help="how gunicorn serves Tandem: gevent as in production (README), or 8 threads",
    )
    args = parser.parse_args()
    seconds = args.seconds or (6.0 if args.quick else 20.0)
    rounds = args.rounds or (2 if args.quick else 4)

    from demo.platforms import make_platforms

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        key_dir = work / "demo-keys"
        tandem_port, baseline_port = free_port(), free_port()
        tandem_demo_port, baseline_demo_port = free_port(), free_port()
        tandem_url = f"http://127.0.0.1:{tandem_port}"
        baseline_url = f"http://127.0.0.1:{baseline_port}"
        tandem_demo = demo_env(tandem_demo_port, tandem_url, key_dir)
        baseline_demo = demo_env(baseline_demo_port, baseline_url, key_dir)
        tandem_env = {
            "TANDEM_INSTANCE_PATH": str(work / "tandem"),
            "TANDEM_BASE_URL": tandem_url,
            "TANDEM_RATE_LIMITS": "off",  # the benchmark is one address launching flat out
            "TANDEM_ASYNC_MODE": "gevent" if args.tandem_worker == "gevent" else "threading",
        }
        if os.environ.get("TANDEM_BENCH_DATABASE_URL"):
            tandem_env["TANDEM_DATABASE_URL"] = os.environ["TANDEM_BENCH_DATABASE_URL"]
        env = {**os.environ, **tandem_env}
        subprocess.run([str(BIN / "tandem"), "db", "upgrade"], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run(
            [str(BIN / "tandem"), "platform", "import", "--allow-http", "-"],
            input=registrations(tandem_demo), env=env, cwd=ROOT, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        baseline_env = {
            "BASELINE_PLATFORMS": registrations(baseline_demo),
            "BASELINE_KEY_DIR": str(work / "baseline"),
        }
        demo_cmd = [str(BIN / "python"), "-m", "demo"]
        with processes(
            work / "servers.log",
            (gunicorn(tandem_port, "wsgi:app", args.tandem_worker), tandem_env),
            (gunicorn(baseline_port, "bench.baseline_tool:create_baseline()"), baseline_env),
            (demo_cmd, tandem_demo),
            (demo_cmd, baseline_demo),
        ):
            for url in (tandem_url + "/lti/jwks", baseline_url + "/lti/jwks"):
                wait_until_up(url)
            for port in (tandem_demo_port, baseline_demo_port):
                wait_until_up(f"http://127.0.0.1:{port}/")
            platforms = make_platforms("http://unused", key_dir)
            users = [(p.slug, u.user_id) for p in platforms for u in p.users]
            targets = {
                "tandem": Target("tandem", f"http://127.0.0.1:{tandem_demo_port}", users),
                "baseline": Target("baseline", f"http://127.0.0.1:{baseline_demo_port}", users),
            }
            for target in targets.values():  # warm up: imports, JWKS caches, connections
                run_round(target, 2, 1.5)
            rates: dict[str, list[float]] = {"tandem": [], "baseline": []}
            tandem_latencies: list[float] = []
            for _ in range(rounds):
                for name in ("tandem", "baseline"):
                    rate, latencies = run_round(targets[name], args.clients, seconds)
                    rates[name].append(rate)
                    if name == "tandem":
                        tandem_latencies.extend(latencies)

    tandem = statistics.median(rates["tandem"])
    baseline = statistics.median(rates["baseline"])
    p95 = statistics.quantiles(tandem_latencies, n=20)[-1] * 1000
    print(
        json.dumps(
            {
                "tandem_launches_per_s": round(tandem, 1),
                "baseline_launches_per_s": round(baseline, 1),
                "ratio": round(tandem / baseline, 3),
                "tandem_p95_ms": round(p95, 1),
                "clients": args.clients,
                "rounds": rounds,
                "seconds_per_round": seconds,
                "database": "postgresql" if "TANDEM_DATABASE_URL" in tandem_env else "sqlite",
                "quick": args.quick,
            }
        )
    )


if __name__ == "__main__":
    main()
