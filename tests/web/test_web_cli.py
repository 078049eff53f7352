"""The ``tandem`` commands: platforms, database, keys; bad input is a message and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flask import Flask

PLATFORM = [
    "--issuer", "https://brightspace.example.org",
    "--client-id", "abc-123",
    "--name", "Leiden Brightspace",
    "--login-url", "https://brightspace.example.org/d2l/lti/authenticate",
    "--token-url", "https://auth.brightspace.com/core/connect/token",
    "--jwks-url", "https://brightspace.example.org/d2l/.well-known/jwks",
    "--audience", "https://api.brightspace.com/auth/token",
    "--deployment", "dep-1",
    "--country", "NL",
]  # fmt: skip


def test_add_list_and_remove_a_platform(app: Flask) -> None:
    runner = app.test_cli_runner()
    added = runner.invoke(args=["tandem", "platform", "add", *PLATFORM])
    assert added.exit_code == 0, added.output
    runner.invoke(
        args=[
            "tandem", "platform", "add-deployment", "--issuer", "https://brightspace.example.org",
            "--client-id", "abc-123", "--deployment", "dep-2",
        ]
    )  # fmt: skip
    listed = runner.invoke(args=["tandem", "platform", "list", "--json"])
    assert listed.exit_code == 0, (listed.output, listed.exc_info)
    rows = json.loads(listed.output)
    assert rows == [
        {
            "issuer": "https://brightspace.example.org",
            "client_id": "abc-123",
            "name": "Leiden Brightspace",
            "institution": "Leiden Brightspace",
            "deployment_ids": ["dep-1", "dep-2"],
        }
    ]
    removed = runner.invoke(
        args=[
            "tandem",
            "platform",
            "remove",
            "--issuer",
            rows[0]["issuer"],
            "--client-id",
            "abc-123",
        ]
    )
    assert removed.exit_code == 0
    assert "No platforms" in runner.invoke(args=["tandem", "platform", "list"]).output


def test_bad_input_gives_a_message_and_exit_code_not_a_traceback(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tandem", "platform", "add", *PLATFORM]).exit_code == 0
    duplicate = runner.invoke(args=["tandem", "platform", "add", *PLATFORM])
    assert duplicate.exit_code == 1
    assert "already registered" in duplicate.output
    insecure = [a.replace("https://brightspace", "http://brightspace") for a in PLATFORM]
    insecure[insecure.index("abc-123")] = "other"
    refused = runner.invoke(args=["tandem", "platform", "add", *insecure])
    assert refused.exit_code == 1
    assert "https" in refused.output
    missing = runner.invoke(
        args=["tandem", "platform", "remove", "--issuer", "https://x.example", "--client-id", "y"]
    )
    assert missing.exit_code == 1
    assert "No platform" in missing.output
    assert "Traceback" not in duplicate.output + refused.output + missing.output


def test_import_registers_a_json_list_once(app: Flask, tmp_path: Path) -> None:
    entry = {
        "issuer": "http://127.0.0.1:9/moodle",
        "client_id": "m1",
        "name": "Bologna Moodle",
        "auth_login_url": "http://127.0.0.1:9/moodle/auth",
        "auth_token_url": "http://127.0.0.1:9/moodle/token",
        "key_set_url": "http://127.0.0.1:9/moodle/jwks",
        "deployment_ids": ["3"],
    }
    source = tmp_path / "platforms.json"
    source.write_text(json.dumps([entry]))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tandem", "platform", "import", "--allow-http", str(source)])
    second = runner.invoke(args=["tandem", "platform", "import", "--allow-http", str(source)])
    assert first.exit_code == second.exit_code == 0
    assert "Registered" in first.output
    assert "Already registered" in second.output
    source.write_text("{not json")
    broken = runner.invoke(args=["tandem", "platform", "import", str(source)])
    assert broken.exit_code == 1
    assert "Not valid JSON" in broken.output


def test_console_script_migrates_and_refuses_unsafe_production(tmp_path: Path) -> None:
    tandem = Path(sys.executable).parent / "tandem"
    env = {"TANDEM_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    migrated = subprocess.run(
        [str(tandem), "db", "upgrade"], env=env, capture_output=True, text=True, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "tandem.sqlite3").exists()
    unsafe = subprocess.run(
        [str(tandem), "platform", "list"],
        env={**env, "TANDEM_ENV": "production"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert unsafe.returncode == 2
    assert "TANDEM_SECRET_KEY" in unsafe.stderr
    assert "Traceback" not in unsafe.stderr
