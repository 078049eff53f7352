"""Who may act as a registrar, and for which institution (helpers; they never commit)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.db import get_or_create
from plugin.errors import NotAllowed, NotFound
from plugin.i18n import N_
from plugin.people.models import Institution, Person
from plugin.registrars.models import Registrar


def registrar_institutions(session: Session, person_id: int) -> list[int]:
    return list(session.scalars(_registrar_of(), {"person_id": person_id}))


@cache
def _registrar_of() -> Select[int]:
    """Built once: every landing asks (its staff links)."""
    return (
        select(Registrar.institution_id)
        .where(Registrar.person_id == bindparam("person_id"))
        .order_by(Registrar.institution_id)
    )


def require_registrar(session: Session, actor: Actor, institution_id: int) -> None:
    """Registrars act for their own institution only."""
    if institution_id not in registrar_institutions(session, actor.person_id):
        raise NotAllowed(N_("Only a registrar of this institution can do this."))


def require_registrar_or_admin(session: Session, actor: Actor) -> None:
    if actor.role is not Role.ADMIN and not registrar_institutions(session, actor.person_id):
        raise NotAllowed(N_("Only registrars and administrators can do this."))


def add_registrar(session: Session, person_id: int, institution_id: int) -> Registrar:
    """Designate a registrar (an administrator's command-line act; commits)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("This person is not known to Tandem."))
    if session.get(Institution, institution_id) is None:
        raise NotFound(N_("This institution is not known to Tandem."))
    if person.institution_id != institution_id:
        raise NotAllowed(N_("A registrar must belong to the institution they keep records for."))
    row, _ = get_or_create(
        session,
        Registrar,
        {"person_id": person_id, "institution_id": institution_id},
        lambda: Registrar(person_id=person_id, institution_id=institution_id),
    )
    session.commit()
    return row
