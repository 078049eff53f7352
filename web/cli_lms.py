"""``tandem platform replace`` and ``tandem platform activate-again``: a registration's life
after it was made (lti.replacement, lti.health). Registered on web.cli's platform group."""

from __future__ import annotations

import click
from sqlalchemy import select

from lti.health import activate_again
from lti.models import Registration
from lti.replacement import replace_registration
from plugin.i18n import N_
from web.cli import platform_cli
from web.cli_i18n import _, clear_errors
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
        raise click.ClickException(
            _("Several platforms use client id %(key)s: add --issuer.", key=key)
        )
    if not found:
        raise click.ClickException(_("No registration has client id (or id) %(key)s.", key=key))
    return found[0]


_ISSUER = N_("The LMS's issuer, when a client id alone is ambiguous.")


@platform_cli.command(
    "replace",
    help=N_(
        "NEW (a re-registration of the same LMS) carries on OLD's courses; OLD is retired.\n\n"
        "OLD and NEW are client ids, or the #ids `tandem platform list` shows."
    ),
)
@click.argument("old")
@click.argument("new")
@click.option("--issuer", help=_ISSUER)
def platform_replace(old: str, new: str, issuer: str | None) -> None:
    old_row, new_row = _registration(old, issuer), _registration(new, issuer)
    with clear_errors():
        done = replace_registration(get_session(), old_row.id, new_row.id)
    if done.already_done:
        click.echo(
            _(
                "#%(new)s already replaces #%(old)s; nothing to do.",
                new=done.new_id,
                old=done.old_id,
            )
        )
        return
    click.echo(
        _(
            "#%(new)s replaces #%(old)s: %(courses)s course(s) moved, %(set_aside)s empty "
            "course(s) set aside, %(people)s person(s) moved to the old institution; "
            "#%(old)s is retired.",
            new=done.new_id,
            old=done.old_id,
            courses=done.courses,
            set_aside=done.set_aside,
            people=done.people,
        )
    )


@platform_cli.command(
    "activate-again",
    help=N_("Resume a registration marked broken (its LMS refused Tandem's token); grades go out."),
)
@click.argument("registration")
@click.option("--issuer", help=_ISSUER)
def platform_activate_again(registration: str, issuer: str | None) -> None:
    row = _registration(registration, issuer)
    with clear_errors():
        activate_again(get_session(), row.id)
    click.echo(_("#%(id)s is active again; waiting grades are due now.", id=row.id))
