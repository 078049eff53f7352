"""``tandem platform replace`` and ``tandem platform activate-again``: a registration's life
after it was made (lti.replacement, lti.health). Registered on web.cli's platform group."""

from __future__ import annotations

import click
from sqlalchemy import select

from lti.health import activate_again
from lti.models import Registration
from lti.replacement import replace_registration
from web.cli import _clear_errors, platform_cli
from web.db import get_session


def _registration(key: str, issuer: str | None) -> Registration:
    """By client id (with ``--issuer`` when two LMSs share it) or by the id ``list`` shows."""
    query = select(Registration).where(Registration.client_id == key)
    if issuer:
        query = query.where(Registration.issuer == issuer)
    found = list(get_session().scalars(query))
    if not found and key.removeprefix("#").isdigit():
        by_id = get_session().get(Registration, int(key.removeprefix("#")))
        found = [by_id] if by_id is not None else []
    if len(found) > 1:
        raise click.ClickException(f"Several platforms use client id {key}: add --issuer.")
    if not found:
        raise click.ClickException(f"No registration has client id (or id) {key}.")
    return found[0]


@platform_cli.command("replace")
@click.argument("old")
@click.argument("new")
@click.option("--issuer", help="The LMS's issuer, when a client id alone is ambiguous.")
def platform_replace(old: str, new: str, issuer: str | None) -> None:
    """NEW (a re-registration of the same LMS) carries on OLD's courses; OLD is retired.

    OLD and NEW are client ids, or the #ids ``tandem platform list`` shows.
    """
    old_row, new_row = _registration(old, issuer), _registration(new, issuer)
    with _clear_errors():
        done = replace_registration(get_session(), old_row.id, new_row.id)
    if done.already_done:
        click.echo(f"#{done.new_id} already replaces #{done.old_id}; nothing to do.")
        return
    click.echo(
        f"#{done.new_id} replaces #{done.old_id}: {done.courses} course(s) moved, "
        f"{done.set_aside} empty course(s) set aside, {done.people} person(s) moved to the "
        f"old institution; #{done.old_id} is retired."
    )


@platform_cli.command("activate-again")
@click.argument("registration")
@click.option("--issuer", help="The LMS's issuer, when a client id alone is ambiguous.")
def platform_activate_again(registration: str, issuer: str | None) -> None:
    """Resume a registration marked broken (its LMS refused Tandem's token); grades go out."""
    row = _registration(registration, issuer)
    with _clear_errors():
        activate_again(get_session(), row.id)
    click.echo(f"#{row.id} is active again; waiting grades are due now.")
