"""``tandem`` commands (also ``flask --app wsgi tandem ...``): database, platforms, keys.

Domain errors become a one-line message and exit code 1; nothing prints a traceback. Every word
a person reads is in the shell's language (web/cli_i18n.py); JSON, key ids and URLs are not.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lti import platforms
from lti.launch import LtiContext
from lti.state_storage import purge_expired
from plugin.i18n import N_
from web.cli_i18n import _, clear_errors, localize, ngettext, translated, use_catalogue
from web.db import get_session

P = ParamSpec("P")
R = TypeVar("R")


class _TandemGroup(AppGroup):
    """The ``tandem`` group: a database without Tandem's tables is a message, not a traceback;
    help and Click's own words are in the shell's language before anything is parsed."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        use_catalogue()
        localize(self, ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from web.cli_institutions import in_app_context, unmigrated_guard

        with in_app_context(ctx), unmigrated_guard():
            return super().invoke(ctx)


cli = _TandemGroup("tandem", help=N_("Manage this Tandem installation."))
platform_cli = AppGroup("platform", help=N_("LMS platforms (LTI 1.3 registrations)."))
db_cli = AppGroup("db", help=N_("The database schema."))
cli.add_command(platform_cli)
cli.add_command(db_cli)


def _database_url() -> str:
    url: str = current_app.config["TANDEM_SETTINGS"].database_url
    return url


@db_cli.command("upgrade", help=N_("Migrate the database to REVISION (default: the newest)."))
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    from migrations.runner import upgrade

    upgrade(_database_url(), revision)
    click.echo(_("Database is at %(revision)s.", revision=revision))


@db_cli.command("downgrade", help=N_('Migrate the database back to REVISION ("base" empties it).'))
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    from migrations.runner import downgrade

    downgrade(_database_url(), revision)
    click.echo(_("Database is at %(revision)s.", revision=revision))


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
        raise click.ClickException(
            _("A platform entry is missing %(key)r.", key=error.args[0])
        ) from error


_ALLOW_HTTP = N_("Accept http URLs (local demos only).")
_ISSUER = N_("The platform's issuer (iss), an https URL.")
_CLIENT_ID = N_("The client id the platform gave Tandem.")


@platform_cli.command("add", help=N_("Register an LMS platform so that it can launch Tandem."))
@click.option("--issuer", required=True, help=_ISSUER)
@click.option("--client-id", required=True, help=_CLIENT_ID)
@click.option("--name", required=True, help=N_("A name for admins, e.g. 'Leiden Brightspace'."))
@click.option("--login-url", required=True, help=N_("The platform's OIDC authentication URL."))
@click.option("--token-url", required=True, help=N_("The platform's OAuth2 token URL."))
@click.option("--jwks-url", required=True, help=N_("The platform's public key set URL."))
@click.option(
    "--deployment", "deployments", multiple=True, help=N_("A deployment id (repeatable).")
)
@click.option("--audience", default=None, help=N_("OAuth2 token audience (Brightspace)."))
@click.option("--institution", default=None, help=N_("The institution's name (default: --name)."))
@click.option("--country", default=None, help=N_("The institution's ISO 3166 country code."))
@click.option("--allow-http", is_flag=True, help=_ALLOW_HTTP)
def platform_add(**options: Any) -> None:
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
    with clear_errors():
        platforms.add_platform(get_session(), spec, allow_http=options["allow_http"])
    click.echo(_registered(spec))


def _registered(spec: platforms.PlatformSpec) -> str:
    return _(
        "Registered %(issuer)s (client id %(client_id)s).",
        issuer=spec.issuer,
        client_id=spec.client_id,
    )


@platform_cli.command(
    "import",
    help=N_(
        "Register every platform in a JSON list (SOURCE, or - for stdin).\n\n"
        "Known platforms keep their registration; their institution takes the entry's "
        "institution_name and country."
    ),
)
@click.argument("source", type=click.File("r"))
@click.option("--allow-http", is_flag=True, help=_ALLOW_HTTP)
def platform_import(source: Any, allow_http: bool) -> None:
    try:
        entries = json.load(source)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(_("Not valid JSON: %(error)s", error=error)) from error
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise click.ClickException(_("Expected a JSON list of platform objects."))
    session = get_session()
    for entry in entries:
        spec = _spec_from(entry)
        if platforms.find_registration(session, spec.issuer, spec.client_id) is not None:
            with clear_errors():
                platforms.update_institution(session, spec)
            click.echo(
                _(
                    "Already registered: %(issuer)s (client id %(client_id)s); "
                    "institution details updated.",
                    issuer=spec.issuer,
                    client_id=spec.client_id,
                )
            )
            continue
        with clear_errors():
            platforms.add_platform(session, spec, allow_http=allow_http)
        click.echo(_registered(spec))


@platform_cli.command(
    "add-deployment", help=N_("Allow one more deployment id of a registered platform.")
)
@click.option("--issuer", required=True, help=_ISSUER)
@click.option("--client-id", required=True, help=_CLIENT_ID)
@click.option("--deployment", required=True, help=N_("The new deployment id."))
def platform_add_deployment(issuer: str, client_id: str, deployment: str) -> None:
    with clear_errors():
        platforms.add_deployment(get_session(), issuer, client_id, deployment)
    click.echo(_("Added deployment %(deployment)s.", deployment=deployment))


# A registration's source and state as the table shows them; --json keeps the stored words.
_STATE_WORDS = {
    "manual": N_("manual"),
    "dynamic": N_("dynamic"),
    "active": N_("active"),
    "pending": N_("pending"),
    "retired": N_("retired"),
    "broken": N_("broken"),
}


def _state_word(word: str) -> str:
    known = _STATE_WORDS.get(word)
    return translated(known) if known is not None else word


@platform_cli.command("list", help=N_("List registered platforms with their deployments."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON instead of a table."))
def platform_list(as_json: bool) -> None:
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
        click.echo(_("No platforms are registered."))
    for row, registration in zip(rows, registrations, strict=True):
        deployments = ", ".join(row["deployment_ids"]) or _("(no deployments)")
        state = "broken" if registration.broken_at else registration.status
        click.echo(
            f"#{registration.id}  {row['issuer']}  client={row['client_id']}  {row['name']}"
            f"  [{deployments}]  {_state_word(registration.source)}, {_state_word(state)}"
        )


@platform_cli.command(
    "activate",
    help=N_(
        "Activate a pending registration (Moodle-style dynamic registration) so it may launch."
    ),
)
@click.option("--issuer", required=True, help=_ISSUER)
@click.option("--client-id", required=True, help=_CLIENT_ID)
@click.option("--institution", default=None, help=N_("Set the institution's name."))
@click.option("--country", default=None, help=N_("Set the institution's ISO 3166 country code."))
def platform_activate(
    issuer: str, client_id: str, institution: str | None, country: str | None
) -> None:
    with clear_errors():
        registration = platforms.activate_platform(
            get_session(), issuer, client_id, institution_name=institution, country=country
        )
    click.echo(
        _("Activated %(issuer)s (client id %(client_id)s).", issuer=issuer, client_id=client_id)
    )
    if not registration.institution.country:
        click.echo(
            _(
                "Institution %(id)s (%(name)s) has no country, so it cannot issue credentials: "
                "run `tandem institution edit %(id)s --country CC`.",
                id=registration.institution.id,
                name=registration.institution.name,
            )
        )


@platform_cli.command(
    "remove", help=N_("Remove a platform registration; its launches stop working at once.")
)
@click.option("--issuer", required=True, help=_ISSUER)
@click.option("--client-id", required=True, help=_CLIENT_ID)
def platform_remove(issuer: str, client_id: str) -> None:
    with clear_errors():
        platforms.remove_platform(get_session(), issuer, client_id)
    click.echo(
        _("Removed %(issuer)s (client id %(client_id)s).", issuer=issuer, client_id=client_id)
    )


@cli.command("jwks", help=N_("Print Tandem's public key set (what /lti/jwks serves)."))
def show_jwks() -> None:
    click.echo(json.dumps(_lti().keys.jwks(), indent=2))


@cli.command(
    "worker",
    help=N_("Run background work: roster reads, grade sending, purging (Ctrl-C stops it cleanly)."),
)
@click.option("--workers", type=click.IntRange(1, 64), default=2, help=N_("Worker threads."))
def worker(workers: int) -> None:
    from web.tasks import run_worker

    click.echo(_("Tandem worker: %(workers)s threads; Ctrl-C stops it.", workers=workers))
    run_worker(workers)


@cli.command("purge", help=N_("Delete expired LTI login state and used nonces."))
def purge() -> None:
    click.echo(_("Deleted %(rows)s expired rows.", rows=purge_expired(get_session())))


def _guarded(factory: Callable[[], Any]) -> Any:
    from web.config import ConfigError

    try:
        return factory()
    except ConfigError as error:
        use_catalogue()
        message = translated(error.message)
        if error.problems:
            message += " " + "; ".join(translated(p) for p in error.problems) + "."
        click.echo(translated(N_("Error: {message}")).format(message=message), err=True)
        sys.exit(2)


def main() -> None:
    """The ``tandem`` console script: the same commands without ``flask --app``."""
    from web.app import create_app

    app = _guarded(create_app)
    with app.app_context():
        cli.main(prog_name="tandem")


keys_cli = AppGroup("keys", help=N_("Tandem's own signing keys (published at /lti/jwks)."))
roster_cli = AppGroup("roster", help=N_("Course rosters from the LMS (LTI NRPS)."))
grades_cli = AppGroup("grades", help=N_("Scores on their way to LMS gradebooks (LTI AGS)."))
cli.add_command(keys_cli)
cli.add_command(roster_cli)
cli.add_command(grades_cli)


def _lti() -> LtiContext:
    context: LtiContext = current_app.extensions["tandem.lti"]
    return context


@keys_cli.command("status", help=N_("Show the current, next and previous key ids."))
def keys_status() -> None:
    store = _lti().keys
    labels = (_("current"), _("next"), _("previous"))
    width = max(len(label) for label in labels) + 1
    for label, key in zip(labels, (store.current(), store.next(), store.previous()), strict=True):
        click.echo(f"{label:{width}} {key.kid if key else '-'}")


@keys_cli.command(
    "rotate",
    help=N_(
        "Rotate the tool key in steps, so launches and requests in flight keep verifying.\n\n"
        "Run it once (prepare), wait longer than LMSs cache Tandem's JWKS (minutes to an hour), "
        "run it again (promote), and retire the previous key a day later."
    ),
)
@click.option(
    "--step",
    type=click.Choice(["auto", "prepare", "promote", "retire"]),
    default="auto",
    help=N_(
        "prepare: publish a next key; promote: sign with it (the old one stays published); "
        "retire: stop publishing the previous key. auto: prepare, or promote if prepared."
    ),
)
def keys_rotate(step: str) -> None:
    store = _lti().keys
    if step == "auto":
        step = "promote" if store.next() is not None else "prepare"
    if step == "prepare":
        click.echo(
            _(
                "Published next key %(kid)s; run again to promote it.",
                kid=store.prepare_next().kid,
            )
        )
    elif step == "promote":
        old = store.current().kid
        click.echo(
            _(
                "Signing with %(kid)s; %(old)s stays published as previous.",
                kid=store.promote().kid,
                old=old,
            )
        )
    else:
        retired = store.retire_previous()
        click.echo(
            _("Retired %(kid)s.", kid=retired.kid) if retired else _("There is no previous key.")
        )


@roster_cli.command(
    "sync",
    help=N_("Read rosters over NRPS now: new members become known, those who left are marked."),
)
@click.option("--course-id", type=int, default=None, help=N_("One course (default: every course)."))
def roster_sync(course_id: int | None) -> None:
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
            with clear_errors():
                result = sync_course_roster(session, _lti().client(), one)
        except ServiceError as error:
            failed += 1
            click.echo(
                _(
                    "Course %(course)s: failed: %(error)s",
                    course=one,
                    error=translated(error.message),
                ),
                err=True,
            )
            continue
        click.echo(
            _(
                "Course %(course)s: %(added)s added, %(updated)s updated, %(left)s left.",
                course=one,
                added=result.added,
                updated=result.updated,
                left=result.left,
            )
        )
    if failed:
        sys.exit(1)


@grades_cli.command(
    "send", help=N_("Deliver every score that is due (cron this every minute or so).")
)
def grades_send() -> None:
    from lti.grades import send_pending

    report = send_pending(get_session(), _lti().client())
    click.echo(
        _(
            "%(delivered)s delivered, %(failed)s failed (will be retried).",
            delivered=report.delivered,
            failed=report.failed,
        )
    )


@grades_cli.command(
    "retry", help=N_("Make a course's undelivered scores due now and deliver them.")
)
@click.option("--course-id", type=int, required=True, help=N_("The course's id."))
def grades_retry(course_id: int) -> None:
    from lti.grades import retry_now, send_pending

    session = get_session()
    retried = retry_now(session, course_id)
    report = send_pending(session, _lti().client())
    click.echo(
        _(
            "%(retried)s retried: %(delivered)s delivered, %(failed)s failed; "
            "%(elsewhere)s being sent by another sender, left alone.",
            retried=retried.made_due,
            delivered=report.delivered,
            failed=report.failed,
            elsewhere=retried.being_sent,
        )
    )


@platform_cli.command(
    "invite",
    help=N_("Print a Dynamic Registration URL for one LMS (active at once; works once, 7 days)."),
)
def platform_invite() -> None:
    from lti.admin_access import issue_registration_invite

    token = issue_registration_invite(get_session())
    base_url = current_app.config["TANDEM_SETTINGS"].base_url
    click.echo(f"{base_url}/lti/register?invite={token}")


admin_cli = AppGroup("admin", help=N_("Tandem administrators."))
cli.add_command(admin_cli)


@admin_cli.command(
    "token",
    help=N_(
        "Print a one-time sign-in link to the admin pages (for an LMS admin without a launch)."
    ),
)
@click.option(
    "--minutes",
    type=click.IntRange(1, 24 * 60),
    default=15,
    show_default=True,
    help=N_("How long the link works."),
)
def admin_token(minutes: int) -> None:
    from lti.admin_access import issue_admin_token

    token = issue_admin_token(get_session(), minutes * 60)
    base_url = current_app.config["TANDEM_SETTINGS"].base_url
    click.echo(f"{base_url}/admin/sign-in?token={token}")
    click.echo(
        ngettext(
            "The link works once, within %(num)d minute.",
            "The link works once, within %(num)d minutes.",
            minutes,
        )
    )


credentials_cli = AppGroup(
    "credentials", help=N_("Micro-credentials: verify files, issue a sample.")
)
registrar_cli = AppGroup("registrar", help=N_("Who keeps an institution's credential records."))
cli.add_command(credentials_cli)
cli.add_command(registrar_cli)


def _add_institution_commands() -> None:
    from web.cli_institutions import credentials_retry, institution_cli
    from web.cli_verify import issuers_cli

    cli.add_command(institution_cli)
    cli.add_command(issuers_cli)
    credentials_cli.add_command(credentials_retry)


_add_institution_commands()


@credentials_cli.command(
    "verify",
    help=N_(
        "Verify any issuer's credential (JSON or VC-JWT). Exit 0 valid, 1 invalid, 2 not checked."
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--did",
    "did_file",
    default=None,
    help=N_(
        "A DID document, or a folder of them, for offline use (default: did.json beside FILE)."
    ),
)
@click.option(
    "--status",
    "status_file",
    default=None,
    help=N_("The status list credential (default: status.json beside FILE, if present)."),
)
@click.option(
    "--offline",
    is_flag=True,
    help=N_("Fetch nothing; what is not given is reported as not checked."),
)
def credentials_verify(
    file: str, did_file: str | None, status_file: str | None, offline: bool
) -> None:
    from web.cli_verify import verify_file

    code = verify_file(file, did_file, status_file, offline)
    if code:
        sys.exit(code)


@credentials_cli.command(
    "issue-sample",
    help=N_("Write a sample credential, its issuer's DID document and status list to OUT."),
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help=N_("Folder to write into."),
)
def credentials_issue_sample(out: str) -> None:
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
    click.echo(_("Wrote credential.json, did.json and status.json to %(folder)s.", folder=folder))


@registrar_cli.command("add", help=N_("Let a person keep their institution's credential records."))
@click.option("--person-id", type=int, required=True, help=N_("The person's id."))
@click.option("--institution-id", type=int, required=True, help=N_("The institution's id."))
def registrar_add(person_id: int, institution_id: int) -> None:
    from plugin.registrars.service import add_registrar

    with clear_errors():
        add_registrar(get_session(), person_id, institution_id)
    click.echo(
        _(
            "Person %(person)s is a registrar of institution %(institution)s.",
            person=person_id,
            institution=institution_id,
        )
    )


privacy_cli = AppGroup("privacy", help=N_("Data protection: the records of processing."))
cli.add_command(privacy_cli)


@privacy_cli.command(
    "records",
    help=N_(
        "Print what Tandem stores, why, for how long and who sees it (generated from the code)."
    ),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Machine-readable instead of Markdown."))
def privacy_records(as_json: bool) -> None:
    from plugin.privacy.records import records, records_markdown

    if as_json:
        click.echo(json.dumps(records(), indent=2, ensure_ascii=False))
    else:
        click.echo(records_markdown(translated), nl=False)


from web import cli_lms  # noqa: E402,F401  (registers platform replace, activate-again)
