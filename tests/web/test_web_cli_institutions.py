"""``tandem institution``, ``platform import``/``activate`` updating institutions, and every
database command on an unmigrated database: a message and exit code, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from plugin.db import make_engine, make_session_factory
from web.app import create_app
from web.config import Settings

ENTRY = {
    "issuer": "http://127.0.0.1:9/moodle",
    "client_id": "m1",
    "name": "Bologna Moodle",
    "auth_login_url": "http://127.0.0.1:9/moodle/auth",
    "auth_token_url": "http://127.0.0.1:9/moodle/token",
    "key_set_url": "http://127.0.0.1:9/moodle/jwks",
    "deployment_ids": ["3"],
}
IMPORT = ["tandem", "platform", "import", "--allow-http"]


def _institutions(app: Flask, known: frozenset[object] = frozenset()) -> list[dict[str, object]]:
    """The institutions listed, leaving out ``known`` ones (other tests' committed rows)."""
    listed = app.test_cli_runner().invoke(args=["tandem", "institution", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows: list[dict[str, object]] = json.loads(listed.output)
    return [row for row in rows if row["id"] not in known]


def _known(app: Flask) -> frozenset[object]:
    return frozenset(row["id"] for row in _institutions(app))


def test_import_completes_a_known_platforms_institution(app: Flask, tmp_path: Path) -> None:
    known = _known(app)
    source = tmp_path / "platforms.json"
    source.write_text(json.dumps([ENTRY]))
    runner = app.test_cli_runner()
    assert runner.invoke(args=[*IMPORT, str(source)]).exit_code == 0
    [before] = _institutions(app, known)
    assert before["country"] is None
    assert before["missing"]
    source.write_text(
        json.dumps([{**ENTRY, "institution_name": "Università di Bologna", "country": "IT"}])
    )
    again = runner.invoke(args=[*IMPORT, str(source)])
    assert again.exit_code == 0, again.output
    assert "institution details updated" in again.output
    [after] = _institutions(app, known)
    assert (after["name"], after["country"], after["missing"]) == (
        "Università di Bologna",
        "IT",
        [],
    )
    source.write_text(json.dumps([{**ENTRY, "country": "Italy"}]))
    refused = runner.invoke(args=[*IMPORT, str(source)])
    assert refused.exit_code == 1
    assert "ISO 3166" in refused.output
    assert "Traceback" not in refused.output


def test_institution_edit_and_its_errors(app: Flask, tmp_path: Path) -> None:
    known = _known(app)
    source = tmp_path / "platforms.json"
    source.write_text(json.dumps([ENTRY]))
    runner = app.test_cli_runner()
    runner.invoke(args=[*IMPORT, str(source)])
    [row] = _institutions(app, known)
    listed = runner.invoke(args=["tandem", "institution", "list"])
    assert "no country" in listed.output
    ident = str(row["id"])
    edit = ["tandem", "institution", "edit"]
    nothing = runner.invoke(args=[*edit, ident])
    assert nothing.exit_code == 2
    assert "--country" in nothing.output
    unknown = runner.invoke(args=[*edit, "999999", "--country", "IT"])
    assert unknown.exit_code == 1
    assert "not known" in unknown.output
    bad_url = runner.invoke(args=[*edit, ident, "--url", "uni.example"])
    assert bad_url.exit_code == 1
    assert "http or https" in bad_url.output
    done = runner.invoke(
        args=[
            *edit, ident, "--name", "Università di Bologna", "--country", "it",
            "--legal-name", "Alma Mater Studiorum - Università di Bologna",
            "--url", "https://www.unibo.it",
        ]
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "[IT]" in done.output
    [row] = _institutions(app, known)
    assert row["legal_name"] == "Alma Mater Studiorum - Università di Bologna"
    assert row["url"] == "https://www.unibo.it"
    retried = runner.invoke(args=["tandem", "credentials", "retry"])
    assert retried.exit_code == 0
    assert "0 issued, 0 still held" in retried.output


def test_activate_names_the_institution(app: Flask, tmp_path: Path) -> None:
    known = _known(app)
    source = tmp_path / "platforms.json"
    source.write_text(json.dumps([ENTRY]))
    runner = app.test_cli_runner()
    runner.invoke(args=[*IMPORT, str(source)])
    platform = ["--issuer", ENTRY["issuer"], "--client-id", ENTRY["client_id"]]
    plain = runner.invoke(args=["tandem", "platform", "activate", *platform])
    assert plain.exit_code == 0
    assert "tandem institution edit" in plain.output
    named = runner.invoke(
        args=[
            "tandem", "platform", "activate", *platform,
            "--institution", "Università di Bologna", "--country", "IT",
        ]
    )  # fmt: skip
    assert named.exit_code == 0, named.output
    assert "no country" not in named.output
    [row] = _institutions(app, known)
    assert (row["name"], row["country"]) == ("Università di Bologna", "IT")


@pytest.fixture
def unmigrated_app(empty_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    engine = make_engine(empty_database_url)
    settings = Settings(
        env="test",
        instance_path=tmp_path / "instance",
        secret_key="x" * 40,
        database_url=empty_database_url,
    )
    yield create_app(settings, session_factory=make_session_factory(engine))
    engine.dispose()


DATABASE_COMMANDS = [
    ["platform", "list"],
    ["platform", "add", "--issuer", "https://lms.example", "--client-id", "c", "--name", "L",
     "--login-url", "https://lms.example/a", "--token-url", "https://lms.example/t",
     "--jwks-url", "https://lms.example/k"],
    ["platform", "add-deployment", "--issuer", "https://x", "--client-id", "c",
     "--deployment", "d"],
    ["platform", "activate", "--issuer", "https://x", "--client-id", "c"],
    ["platform", "remove", "--issuer", "https://x", "--client-id", "c"],
    ["platform", "invite"],
    ["admin", "token"],
    ["purge"],
    ["roster", "sync"],
    ["grades", "send"],
    ["grades", "retry", "--course-id", "1"],
    ["registrar", "add", "--person-id", "1", "--institution-id", "1"],
    ["institution", "list"],
    ["institution", "edit", "1", "--country", "NL"],
    ["credentials", "retry"],
]  # fmt: skip


def test_every_database_command_on_an_unmigrated_database_says_how_to_migrate(
    unmigrated_app: Flask,
) -> None:
    runner = unmigrated_app.test_cli_runner()
    for command in DATABASE_COMMANDS:
        result = runner.invoke(args=["tandem", *command])
        assert result.exit_code == 1, (command, result.output, result.exc_info)
        assert "run `tandem db upgrade`" in result.output, (command, result.output)
        assert "Traceback" not in result.output
    migrated = runner.invoke(args=["tandem", "db", "upgrade"])
    assert migrated.exit_code == 0, migrated.output
    assert runner.invoke(args=["tandem", "institution", "list"]).exit_code == 0


def test_the_worker_retries_held_credentials_every_ten_minutes(app: Flask) -> None:
    from datetime import datetime

    huey = app.extensions["tandem.tasks"].huey
    due = {task.name: task for task in huey.read_periodic(datetime(2027, 1, 1, 10, 20))}
    assert "retry_held_credentials" in due
    assert "retry_held_credentials" not in {
        task.name for task in huey.read_periodic(datetime(2027, 1, 1, 10, 21))
    }
    with app.app_context():
        huey.execute(due["retry_held_credentials"])  # nothing held: runs, issues nothing
