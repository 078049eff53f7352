"""``tandem institution`` and ``tandem credentials retry``, and the unmigrated-database guard.

Kept apart from web/cli.py so the institution commands read (and merge) as one piece.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo, with_appcontext
from sqlalchemy.exc import DBAPIError

from plugin.credentials.service import IssuerContext
from plugin.i18n import N_
from plugin.people.institutions import InstitutionDetails, list_institutions, missing_for_issuing
from web.cli_i18n import _, clear_errors, translated
from web.db import get_session

NOT_MIGRATED = N_(
    "The database does not have this version of Tandem's tables: run `tandem db upgrade` "
    "(with the same TANDEM_* settings) and try again."
)

institution_cli = AppGroup("institution", help=N_("Universities: name, country, legal name, URL."))


def _database_is_current() -> bool:
    """Whether the database's Alembic revision is the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from migrations.runner import alembic_config

    session = get_session()
    session.rollback()  # the failed statement's transaction may hold SQLite's lock
    engine = session.get_bind().engine
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    return current == set(script.get_heads())


@contextmanager
def in_app_context(ctx: click.Context) -> Iterator[None]:
    """The app context the subcommand will use (``flask --app`` pushes it per command), so
    the guard around it can still reach the database."""
    if current_app:
        yield
        return
    with ctx.ensure_object(ScriptInfo).load_app().app_context():
        yield


@contextmanager
def unmigrated_guard() -> Iterator[None]:
    """A database error on a database that is not migrated says how to migrate it."""
    try:
        yield
    except DBAPIError as error:
        try:
            current = _database_is_current()
        except DBAPIError as unreachable:
            raise click.ClickException(
                _("Tandem cannot use its database: %(error)s", error=unreachable.orig)
            ) from error
        if not current:
            raise click.ClickException(translated(NOT_MIGRATED)) from error
        raise


def _issuer_context() -> IssuerContext:
    from web.pages.credentials import issuer_context

    return issuer_context()


@institution_cli.command(
    "list",
    help=N_("List institutions with their details and what keeps them from issuing credentials."),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON instead of a table."))
def institution_list(as_json: bool) -> None:
    institutions = list_institutions(get_session())
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "id": i.id,
                "name": i.name,
                "country": i.country,
                "legal_name": i.legal_name,
                "url": i.url,
                "missing": [str(m) for m in missing_for_issuing(i)],
            }
            for i in institutions
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not institutions:
        click.echo(_("No institutions yet: they are created when an LMS is registered."))
    for i in institutions:
        extra = "  ".join(str(value) for value in (i.legal_name, i.url) if value)
        click.echo(f"{i.id:>4}  {i.name}  [{i.country or '--'}]  {extra}".rstrip())
        for missing in missing_for_issuing(i):
            click.echo(f"      ! {translated(missing)}")


@institution_cli.command(
    "edit",
    help=N_("Change an institution's details; credentials held for want of them are issued."),
)
@click.argument("institution_id", type=int)
@click.option("--name", default=None, help=N_("The name people see."))
@click.option("--country", default=None, help=N_("ISO 3166 alpha-2 code, e.g. NL or IT."))
@click.option("--legal-name", default=None, help=N_("The legal name of the awarding body."))
@click.option("--url", default=None, help=N_("The institution's web address (https://...)."))
def institution_edit(
    institution_id: int,
    name: str | None,
    country: str | None,
    legal_name: str | None,
    url: str | None,
) -> None:
    from plugin.credentials.institution_admin import edit_institution

    if name is None and country is None and legal_name is None and url is None:
        raise click.UsageError(_("Give at least one of --name, --country, --legal-name, --url."))
    details = InstitutionDetails(name=name, country=country, legal_name=legal_name, url=url)
    with clear_errors():
        outcome = edit_institution(get_session(), institution_id, details, _issuer_context())
    institution = outcome.institution
    click.echo(
        _(
            "Institution %(id)s: %(name)s [%(country)s].",
            id=institution.id,
            name=institution.name,
            country=institution.country or "--",
        )
    )
    _echo_retry(outcome.retried.issued, outcome.retried.still_held)


def _echo_retry(issued: int, still_held: int) -> None:
    if issued or still_held:
        click.echo(
            _(
                "Held credentials: %(issued)s issued, %(held)s still held.",
                issued=issued,
                held=still_held,
            )
        )


@click.command(
    "retry",
    help=N_("Issue credentials held since sign-off (e.g. the institution had no country)."),
)
@with_appcontext
@click.option(
    "--institution-id", type=int, default=None, help=N_("One institution (default: all).")
)
def credentials_retry(institution_id: int | None) -> None:
    from plugin.credentials.holds import retry_held

    report = retry_held(get_session(), _issuer_context(), institution_id)
    click.echo(
        _(
            "%(issued)s issued, %(held)s still held.",
            issued=report.issued,
            held=report.still_held,
        )
    )
