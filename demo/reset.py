"""``python -m demo.reset [--yes]`` (``make demo-reset``): forget everything the demo stored.

Removes the demo's state under the instance folder: Tandem's SQLite database, the task queue,
Tandem's secret and signing keys, the demo LMS's keys and the demo's logs. The next
``make demo`` migrates a new database, registers the platforms again and seeds the exchange.
Asks first unless ``--yes``; refuses while the demo is running (a database deleted under a
running server is a confusing half-state) and when Tandem uses a database server rather than
the instance's SQLite file (that is not the demo's to delete).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# What the demo writes into the instance folder (other files there are left alone).
STATE = (
    "tandem.sqlite3",
    "tandem.sqlite3-wal",
    "tandem.sqlite3-shm",
    "tasks.sqlite3",
    "tasks.sqlite3-wal",
    "tasks.sqlite3-shm",
    "secret-key",
    "keys",
    "demo-keys",
    "demo-logs",
)


def _listening(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def state_paths(instance: Path) -> list[Path]:
    """The demo's files and folders that exist now."""
    return [instance / name for name in STATE if (instance / name).exists()]


def reset(
    env: Mapping[str, str],
    *,
    yes: bool,
    ask: Callable[[str], str] = input,
    out: Callable[[str], None] = print,
) -> int:
    """Delete the demo's state; the exit code says whether it did (0) or refused (1)."""
    if env.get("TANDEM_DATABASE_URL", "").strip():
        out(
            "TANDEM_DATABASE_URL is set: the demo does not delete a database server's data. "
            "Drop that database yourself, or unset the variable to reset the SQLite demo."
        )
        return 1
    host = env.get("TANDEM_HOST", "127.0.0.1")
    ports = (int(env.get("TANDEM_PORT", "5050")), int(env.get("TANDEM_DEMO_PORT", "5051")))
    busy = [port for port in ports if _listening(host, port)]
    if busy:
        out(f"The demo seems to be running (port {busy[0]} answers): stop it with Ctrl-C first.")
        return 1
    instance = Path(env.get("TANDEM_INSTANCE_PATH") or "instance")
    paths = state_paths(instance)
    if not paths:
        out(f"Nothing to reset: {instance}/ holds no demo data.")
        return 0
    listing = ", ".join(p.name for p in paths)
    if not yes:
        answer = ask(f"Delete the demo's data in {instance}/ ({listing})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            out("Nothing deleted.")
            return 1
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    out(f"Deleted the demo's data ({listing}). The next `make demo` starts afresh.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.reset", description=__doc__)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    try:
        return reset(os.environ, yes=args.yes)
    except (EOFError, KeyboardInterrupt):
        print("\nNothing deleted.")
        return 1


if __name__ == "__main__":
    sys.exit(main())
