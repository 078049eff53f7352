"""``tandem`` commands (also ``flask --app wsgi tandem ...``): database, platforms, keys.

Domain errors become a one-line message and exit code 1; nothing prints a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lti import platforms
from lti.launch import LtiContext
from lti.state_storage import purge_expired
from plugin.errors import TandemError
from web.db import get_session

P = ParamSpec("P")
R = TypeVar("R")


class _TandemGroup(AppGroup):
    """The ``tandem`` group: a database without Tandem's tables is a message, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from web.cli_institutions import in_app_context, unmigrated_guard

        with in_app_context(ctx), unmigrated_guard():
            return super().invoke(ctx)


cli = _TandemGroup("tandem", help="Manage this Tandem installation.")
platform_cli = AppGroup("platform", help="LMS platforms (LTI 1.3 registrations).")
db_cli = AppGroup("db", help="The database schema.")
cli.add_command(platform_cli)
cli.add_command(db_cli)


@contextmanager
def _clear_errors() -> Iterator[None]:
    try:
        yield
    except TandemError as error:
        raise click.ClickException(error.message) from error


def _database_url() -> str:
    url: str = current_app.config["TANDEM_SETTINGS"].database_url
    return url


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from migrations.runner import upgrade

    upgrade(_database_url(), revision)
    click.echo(f"Database is at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ("base" empties it)."""
    from migrations.runner import downgrade

    downgrade(_database_url(), revision)
    click.echo(f"Database is at {revision}.")


def _spec_from(data: dict[str, Any]) -> platforms.PlatformSpec:
    try:
        return platforms.PlatformSpec(
            issuer=str(data["issuer"]),
            client_id=str(data["client_id"]),
            name=str(data["name"]),
            auth_login_url=str(data["auth_login_url"]),
            auth_token_url=str(data["auth_token_url"]),
            key_set_url=str(data["key_set_url"]),
            deployment_ids=tuple(str(d) for d in data.get("deployment_ids", ())),
            token_audience=data.get("token_audience"),
            institution_name=data.get("institution_name"),
            country=data.get("country"),
        )
    except KeyError as error:
        raise click.ClickException(f"A platform entry is missing {error.args[0]!r}.") from error


@platform_cli.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (iss), an https URL.")
@click.option("--client-id", required=True, help="The client id the platform gave Tandem.")
@click.option("--name", required=True, help="A name for admins, e.g. 'Leiden Brightspace'.")
@click.option("--login-url", required=True, help="The platform's OIDC authentication URL.")
@click.option("--token-url", required=True, help="The platform's OAuth2 token URL.")
@click.option("--jwks-url", required=True, help="The platform's public key set URL.")
@click.option("--deployment", "deployments", multiple=True, help="A deployment id (repeatable).")
@click.option("--audience", default=None, help="OAuth2 token audience (Brightspace).")
@click.option("--institution", default=None, help="The institution's name (default: --name).")
@click.option("--country", default=None, help="The institution's ISO 3166 country code.")
@click.option("--allow-http", is_flag=True, help="Accept http URLs (local demos only).")
def platform_add(**options: Any) -> None:
    """Register an LMS platform so that it can launch Tandem."""
    spec = platforms.PlatformSpec(
        issuer=options["issuer"],
        client_id=options["client_id"],
        name=options["name"],
        auth_login_url=options["login_url"],
        auth_token_url=options["token_url"],
        key_set_url=options["jwks_url"],
        deployment_ids=tuple(options["deployments"]),
        token_audience=options["audience"],
        institution_name=options["institution"],
        country=options["country"],
    )
    with _clear_errors():
        platforms.add_platform(get_session(), spec, allow_http=options["allow_http"])
    click.echo(f"Registered {spec.issuer} (client id {spec.client_id}).")


@platform_cli.command("import")
@click.argument("source", type=click.File("r"))
@click.option("--allow-http", is_flag=True, help="Accept http URLs (local demos only).")
def platform_import(source: Any, allow_http: bool) -> None:
    """Register every platform in a JSON list (SOURCE, or - for stdin).

    Known platforms keep their registration; their institution takes the entry's
    institution_name and country.
    """
    try:
        entries = json.load(source)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"Not valid JSON: {error}") from error
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise click.ClickException("Expected a JSON list of platform objects.")
    session = get_session()
    for entry in entries:
        spec = _spec_from(entry)
        if platforms.find_registration(session, spec.issuer, spec.client_id) is not None:
            with _clear_errors():
                platforms.update_institution(session, spec)
            click.echo(
                f"Already registered: {spec.issuer} (client id {spec.client_id}); "
                "institution details updated."
            )
            continue
        with _clear_errors():
            platforms.add_platform(session, spec, allow_http=allow_http)
        click.echo(f"Registered {spec.issuer} (client id {spec.client_id}).")


@platform_cli.command("add-deployment")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment", required=True)
def platform_add_deployment(issuer: str, client_id: str, deployment: str) -> None:
    """Allow one more deployment id of a registered platform."""
    with _clear_errors():
        platforms.add_deployment(get_session(), issuer, client_id, deployment)
    click.echo(f"Added deployment {deployment}.")


@platform_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def platform_list(as_json: bool) -> None:
    """List registered platforms with their deployments."""
    registrations = platforms.list_platforms(get_session())
    rows = [
        {
            "issuer": r.issuer,
            "client_id": r.client_id,
            "name": r.name,
            "institution": r.institution.name,
            "deployment_ids": [d.deployment_id for d in r.deployments],
        }
        for r in registrations
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No platforms are registered.")
    for row, registration in zip(rows, registrations, strict=True):
        deployments = ", ".join(row["deployment_ids"]) or "(no deployments)"
        state = "broken" if registration.broken_at else registration.status
        click.echo(
            f"#{registration.id}  {row['issuer']}  client={row['client_id']}  {row['name']}"
            f"  [{deployments}]  {registration.source}, {state}"
        )


@platform_cli.command("activate")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--institution", default=None, help="Set the institution's name.")
@click.option("--country", default=None, help="Set the institution's ISO 3166 country code.")
def platform_activate(
    issuer: str, client_id: str, institution: str | None, country: str | None
) -> None:
    """Activate a pending registration (Moodle-style dynamic registration) so it may launch."""
    with _clear_errors():
        registration = platforms.activate_platform(
            get_session(), issuer, client_id, institution_name=institution, country=country
        )
    click.echo(f"Activated {issuer} (client id {client_id}).")
    if not registration.institution.country:
        click.echo(
            f"Institution {registration.institution.id} ({registration.institution.name}) has "
            "no country, so it cannot issue credentials: run `tandem institution edit "
            f"{registration.institution.id} --country CC`."
        )


@platform_cli.command("remove")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
def platform_remove(issuer: str, client_id: str) -> None:
    """Remove a platform registration; its launches stop working at once."""
    with _clear_errors():
        platforms.remove_platform(get_session(), issuer, client_id)
    click.echo(f"Removed {issuer} (client id {client_id}).")


@cli.command("jwks")
def show_jwks() -> None:
    """Print Tandem's public key set (what /lti/jwks serves)."""
    click.echo(json.dumps(_lti().keys.jwks(), indent=2))


@cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=2, help="Worker threads.")
def worker(workers: int) -> None:
    """Run background work: roster reads, grade sending, purging (Ctrl-C stops it cleanly)."""
    from web.tasks import run_worker

    click.echo(f"Tandem worker: {workers} threads; Ctrl-C stops it.")
    run_worker(workers)


@cli.command("purge")
def purge() -> None:
    """Delete expired LTI login state and used nonces."""
    click.echo(f"Deleted {purge_expired(get_session())} expired rows.")


def _guarded(factory: Callable[[], Any]) -> Any:
    from web.config import ConfigError

    try:
        return factory()
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)


def main() -> None:
    """The ``tandem`` console script: the same commands without ``flask --app``."""
    from web.app import create_app

    app = _guarded(create_app)
    with app.app_context():
        cli.main(prog_name="tandem")


keys_cli = AppGroup("keys", help="Tandem's own signing keys (published at /lti/jwks).")
roster_cli = AppGroup("roster", help="Course rosters from the LMS (LTI NRPS).")
grades_cli = AppGroup("grades", help="Scores on their way to LMS gradebooks (LTI AGS).")
cli.add_command(keys_cli)
cli.add_command(roster_cli)
cli.add_command(grades_cli)


def _lti() -> LtiContext:
    context: LtiContext = current_app.extensions["tandem.lti"]
    return context


@keys_cli.command("status")
def keys_status() -> None:
    """Show the current, next and previous key ids."""
    store = _lti().keys
    for label, key in (
        ("current", store.current()),
        ("next", store.next()),
        ("previous", store.previous()),
    ):
        click.echo(f"{label:9} {key.kid if key else '-'}")


@keys_cli.command("rotate")
@click.option(
    "--step",
    type=click.Choice(["auto", "prepare", "promote", "retire"]),
    default="auto",
    help="prepare: publish a next key; promote: sign with it (the old one stays published); "
    "retire: stop publishing the previous key. auto: prepare, or promote if prepared.",
)
def keys_rotate(step: str) -> None:
    """Rotate the tool key in steps, so launches and requests in flight keep verifying.

    Run it once (prepare), wait longer than LMSs cache Tandem's JWKS (minutes to an hour),
    run it again (promote), and retire the previous key a day later.
    """
    store = _lti().keys
    if step == "auto":
        step = "promote" if store.next() is not None else "prepare"
    if step == "prepare":
        click.echo(f"Published next key {store.prepare_next().kid}; run again to promote it.")
    elif step == "promote":
        old = store.current().kid
        click.echo(f"Signing with {store.promote().kid}; {old} stays published as previous.")
    else:
        retired = store.retire_previous()
        click.echo(f"Retired {retired.kid}." if retired else "There is no previous key.")


@roster_cli.command("sync")
@click.option("--course-id", type=int, default=None, help="One course (default: every course).")
def roster_sync(course_id: int | None) -> None:
    """Read rosters over NRPS now: new members become known, those who left are marked."""
    from lti.models import ServiceEndpoints
    from lti.roster import sync_course_roster
    from lti.services import ServiceError

    session = get_session()
    ids = (
        [course_id]
        if course_id is not None
        else list(
            session.scalars(
                select(ServiceEndpoints.course_id).where(
                    ServiceEndpoints.memberships_url.is_not(None)
                )
            )
        )
    )
    failed = 0
    for one in ids:
        try:
            with _clear_errors():
                result = sync_course_roster(session, _lti().client(), one)
        except ServiceError as error:
            failed += 1
            click.echo(f"Course {one}: failed: {error}", err=True)
            continue
        click.echo(
            f"Course {one}: {result.added} added, {result.updated} updated, {result.left} left."
        )
    if failed:
        sys.exit(1)


@grades_cli.command("send")
def grades_send() -> None:
    """Deliver every score that is due (cron this every minute or so)."""
    from lti.grades import send_pending

    report = send_pending(get_session(), _lti().client())
    click.echo(f"{report.delivered} delivered, {report.failed} failed (will be retried).")


@grades_cli.command("retry")
@click.option("--course-id", type=int, required=True)
def grades_retry(course_id: int) -> None:
    """Make a course's undelivered scores due now and deliver them."""
    from lti.grades import retry_now, send_pending

    session = get_session()
    retried = retry_now(session, course_id)
    report = send_pending(session, _lti().client())
    click.echo(
        f"{retried.made_due} retried: {report.delivered} delivered, {report.failed} failed;"
        f" {retried.being_sent} being sent by another sender, left alone."
    )


@platform_cli.command("invite")
def platform_invite() -> None:
    """Print a Dynamic Registration URL for one LMS (active at once; works once, 7 days)."""
    from lti.admin_access import issue_registration_invite

    token = issue_registration_invite(get_session())
    base_url = current_app.config["TANDEM_SETTINGS"].base_url
    click.echo(f"{base_url}/lti/register?invite={token}")


admin_cli = AppGroup("admin", help="Tandem administrators.")
cli.add_command(admin_cli)


@admin_cli.command("token")
@click.option("--minutes", type=click.IntRange(1, 24 * 60), default=15, show_default=True)
def admin_token(minutes: int) -> None:
    """Print a one-time sign-in link to the admin pages (for an LMS admin without a launch)."""
    from lti.admin_access import issue_admin_token

    token = issue_admin_token(get_session(), minutes * 60)
    base_url = current_app.config["TANDEM_SETTINGS"].base_url
    click.echo(f"{base_url}/admin/sign-in?token={token}")
    click.echo(f"The link works once, within {minutes} minutes.")


credentials_cli = AppGroup("credentials", help="Micro-credentials: verify files, issue a sample.")
registrar_cli = AppGroup("registrar", help="Who keeps an institution's credential records.")
cli.add_command(credentials_cli)
cli.add_command(registrar_cli)


def _add_institution_commands() -> None:
    from web.cli_institutions import credentials_retry, institution_cli
    from web.cli_verify import issuers_cli

    cli.add_command(institution_cli)
    cli.add_command(issuers_cli)
    credentials_cli.add_command(credentials_retry)


_add_institution_commands()


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{path}: {error}") from error


@credentials_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--did",
    "did_file",
    default=None,
    help="A DID document, or a folder of them, for offline use (default: did.json beside FILE).",
)
@click.option(
    "--status",
    "status_file",
    default=None,
    help="The status list credential (default: status.json beside FILE, if present).",
)
@click.option(
    "--offline", is_flag=True, help="Fetch nothing; what is not given is reported as not checked."
)
def credentials_verify(
    file: str, did_file: str | None, status_file: str | None, offline: bool
) -> None:
    """Verify any issuer's credential (JSON or VC-JWT). Exit 0 valid, 1 invalid, 2 not checked."""
    from web.cli_verify import verify_file

    code = verify_file(file, did_file, status_file, offline)
    if code:
        sys.exit(code)


@credentials_cli.command("issue-sample")
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="Folder to write into."
)
def credentials_issue_sample(out: str) -> None:
    """Write a sample credential, its issuer's DID document and status list to OUT."""
    from datetime import UTC, datetime
    from pathlib import Path
    from urllib.parse import urlsplit

    from plugin.credentials.sample import issue_sample

    host = urlsplit(current_app.config["TANDEM_SETTINGS"].base_url).netloc
    sample = issue_sample(host, datetime.now(UTC))
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in (
        ("credential.json", sample.credential),
        ("did.json", sample.did_document),
        ("status.json", sample.status_list),
    ):
        (folder / name).write_text(json.dumps(document, indent=2, ensure_ascii=False), "utf-8")
    click.echo(f"Wrote credential.json, did.json and status.json to {folder}.")


@registrar_cli.command("add")
@click.option("--person-id", type=int, required=True)
@click.option("--institution-id", type=int, required=True)
def registrar_add(person_id: int, institution_id: int) -> None:
    """Let a person keep their institution's credential records."""
    from plugin.registrars.service import add_registrar

    with _clear_errors():
        add_registrar(get_session(), person_id, institution_id)
    click.echo(f"Person {person_id} is a registrar of institution {institution_id}.")


privacy_cli = AppGroup("privacy", help="Data protection: the records of processing.")
cli.add_command(privacy_cli)


@privacy_cli.command("records")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable instead of Markdown.")
def privacy_records(as_json: bool) -> None:
    """Print what Tandem stores, why, for how long and who sees it (generated from the code)."""
    from plugin.privacy.records import records, records_markdown

    if as_json:
        click.echo(json.dumps(records(), indent=2, ensure_ascii=False))
    else:
        click.echo(records_markdown(), nl=False)


from web import cli_lms  # noqa: E402,F401  (registers platform replace, activate-again)
