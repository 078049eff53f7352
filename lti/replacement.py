"""One LMS registered again: a new registration takes over the old one's courses and people.

When a tool is deleted in the LMS and added again, the LMS hands out a new client id (and, in
Moodle, a new deployment id). Courses are keyed by issuer, client id and deployment
(``lti:<iss>|<client>|<deployment>``, lti.launch.to_entry), so the new registration's first
launch would open an empty course at a new institution and orphan the exchanges. LTI context
ids and user subs stay the same per issuer, so when an admin says "this registration replaces
that one" Tandem renames the old courses into the new registration's namespace, moves their
service URLs to it, keeps one institution for both, and retires the old registration.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lti.models import Deployment, GradeOutbox, Registration, ServiceEndpoints
from lti.platforms import RETIRED
from plugin.courses.models import Course
from plugin.db import Base, utcnow
from plugin.errors import Conflict, InvalidInput, NotFound
from plugin.i18n import N_
from plugin.people.models import Institution, Person

# Where a course that a launch through the new registration opened before the replacement is
# set aside: the old course (with its exchanges) takes its place.
SET_ASIDE_PREFIX = "lti-set-aside:"


def course_namespace(issuer: str, client_id: str, deployment_id: str) -> str:
    """The namespace lti.launch gives a course launched through this deployment."""
    return f"lti:{issuer}|{client_id}|{deployment_id}"


@dataclass(frozen=True)
class Replacement:
    """What a replacement moved (all zero when it had already been done)."""

    old_id: int
    new_id: int
    courses: int
    set_aside: int
    people: int
    already_done: bool = False


def _deployment_map(old: Registration, new: Registration) -> dict[str, str]:
    """Old deployment id -> the new registration's: the same id where both have it, else the
    new one's only deployment (Moodle gives a re-added tool a new one); else kept as it was."""
    new_ids = [d.deployment_id for d in new.deployments]
    mapping = {}
    for deployment in old.deployments:
        old_id = deployment.deployment_id
        if old_id in new_ids or len(new_ids) != 1:
            mapping[old_id] = old_id
        else:
            mapping[old_id] = new_ids[0]
    return mapping


def _institution_unused(session: Session, institution_id: int) -> bool:
    """No row of any table points at the institution (checked through the schema's FKs)."""
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if any(fk.target_fullname == "institution.id" for fk in column.foreign_keys):
                found = session.scalar(
                    select(func.count()).select_from(table).where(column == institution_id)
                )
                if found:
                    return False
    return True


def replace_registration(session: Session, old_id: int, new_id: int) -> Replacement:
    """Let registration ``new_id`` carry on registration ``old_id`` of the same LMS (commits)."""
    old, new = session.get(Registration, old_id), session.get(Registration, new_id)
    if old is None or new is None:
        raise NotFound(N_("This registration does not exist."))
    if old.id == new.id:
        raise InvalidInput(N_("A registration cannot replace itself."))
    if old.issuer != new.issuer:
        raise InvalidInput(
            N_(
                "Only a registration of the same LMS (issuer %(issuer)s) can replace this one.",
                issuer=old.issuer,
            )
        )
    if old.replaced_by_id == new.id:
        return Replacement(old.id, new.id, 0, 0, 0, already_done=True)
    if old.status == RETIRED:
        raise Conflict(N_("This registration was already replaced by another one."))
    if new.status == RETIRED:
        raise Conflict(N_("A retired registration cannot replace another one."))
    moved = set_aside = 0
    for old_deployment, new_deployment in _deployment_map(old, new).items():
        source = course_namespace(old.issuer, old.client_id, old_deployment)
        target = course_namespace(new.issuer, new.client_id, new_deployment)
        courses = session.scalars(select(Course).where(Course.namespace == source)).all()
        for course in courses:
            clash = session.scalar(
                select(Course).where(
                    Course.namespace == target, Course.external_id == course.external_id
                )
            )
            if clash is not None:
                clash.namespace = f"{SET_ASIDE_PREFIX}{clash.id}|{target}"[:300]
                set_aside += 1
                session.flush()
            course.namespace = target
            moved += 1
        known = {d.deployment_id for d in new.deployments}
        if new_deployment not in known:  # kept as it was: launches through it keep working
            new.deployments.append(Deployment(deployment_id=new_deployment))
    session.execute(
        update(ServiceEndpoints)
        .where(ServiceEndpoints.registration_id == old.id)
        .values(registration_id=new.id, updated_at=utcnow())
    )
    people = 0
    if new.institution_id != old.institution_id:
        dropped = new.institution_id
        people = int(
            session.scalar(select(func.count(Person.id)).where(Person.institution_id == dropped))
            or 0
        )
        session.execute(
            update(Person)
            .where(Person.institution_id == dropped)
            .values(institution_id=old.institution_id)
        )
        session.execute(
            update(Course)
            .where(Course.institution_id == dropped)
            .values(institution_id=old.institution_id)
        )
        new.institution_id = old.institution_id
        session.flush()
        if _institution_unused(session, dropped):
            institution = session.get(Institution, dropped)
            if institution is not None:
                session.delete(institution)
    moved_courses = select(ServiceEndpoints.course_id).where(
        ServiceEndpoints.registration_id == new.id
    )
    session.execute(  # scores that waited for the old registration go out through the new one
        update(GradeOutbox)
        .where(GradeOutbox.delivered_at.is_(None), GradeOutbox.course_id.in_(moved_courses))
        .values(next_attempt_at=utcnow())
    )
    new.name = old.name
    old.status = RETIRED
    old.replaced_by_id = new.id
    session.commit()
    return Replacement(old.id, new.id, moved, set_aside, people)
