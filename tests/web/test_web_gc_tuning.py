"""wsgi.py tunes the garbage collector for a worker full of long-lived connections."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_production_app_freezes_its_start_and_raises_the_young_threshold(
    tmp_path: Path,
) -> None:
    probe = "import gc, wsgi; print(gc.get_threshold()[0], gc.get_freeze_count(), wsgi.app.name)"
    env = {
        "TANDEM_ENV": "test",
        "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TANDEM_SECRET_KEY": "s" * 40,
        "TANDEM_INSTANCE_PATH": str(tmp_path / "instance"),
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    threshold, frozen, _name = out.stdout.split()
    assert int(threshold) == 50_000
    assert int(frozen) > 10_000  # the imported modules and the app, never walked again
