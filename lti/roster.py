"""Names and Role Provisioning: fetch a course's roster from its LMS and hand it to the domain.

All pages are read (``rel=next`` quoted or not) before anything changes, so a roster cut
short by an error never marks the missing half as having left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from lti.claims import NRPS_SCOPE, ServiceClaims
from lti.health import clear_refusals, is_broken, note_refusal
from lti.roles import map_roles
from lti.services import (
    ServiceClient,
    ServiceError,
    end_reads_before_calling_the_lms,
    endpoints_for,
    remember_services,
)
from plugin.db import utcnow
from plugin.i18n import N_
from plugin.people.identity import AccountRef, PersonFacts
from plugin.roster.service import RosterMember, RosterResult, sync_roster

logger = logging.getLogger(__name__)
NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
STALE_AFTER = timedelta(hours=6)
# NRPS statuses: Active, Inactive, Deleted (a member removed from the course).
_ACTIVE = "active"


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _members(pages: Iterable[Any], issuer: str) -> list[RosterMember]:
    members: dict[str, RosterMember] = {}
    for page in pages:
        entries = page.get("members") if isinstance(page, dict) else None
        if not isinstance(entries, list):
            raise ServiceError(N_("The LMS roster page holds no members list."))
        for entry in entries:
            user_id = _text(entry.get("user_id")) if isinstance(entry, dict) else None
            if user_id is None:
                continue  # a member Tandem cannot address is of no use to it
            roles = entry.get("roles")
            status = _text(entry.get("status")) or "Active"
            members[user_id] = RosterMember(
                account=AccountRef(namespace=f"lti:{issuer}", subject=user_id),
                person=PersonFacts(
                    name=_text(entry.get("name")),
                    given_name=_text(entry.get("given_name")),
                    family_name=_text(entry.get("family_name")),
                    email=_text(entry.get("email")),
                ),
                role=map_roles(r for r in roles if isinstance(r, str))
                if isinstance(roles, list)
                else map_roles(()),
                active=status.lower() == _ACTIVE,
            )
    return list(members.values())


def sync_course_roster(session: Session, client: ServiceClient, course_id: int) -> RosterResult:
    """Read the whole roster over NRPS, then let the domain reconcile the course with it."""
    endpoints = endpoints_for(session, course_id)
    if not endpoints.memberships_url:
        raise ServiceError(N_("This course's LMS offers no roster service (NRPS)."))
    registration, memberships_url = endpoints.registration, endpoints.memberships_url
    if is_broken(registration):
        raise ServiceError(
            N_(
                "Tandem stopped calling this course's LMS: it refused Tandem's token several "
                "times in a row (the tool may have been deleted or registered again). A Tandem "
                "administrator has been told."
            )
        )
    registration_id = registration.id
    end_reads_before_calling_the_lms(session, registration)
    pages = client.pages(registration, (NRPS_SCOPE,), memberships_url, accept=NRPS_MEDIA_TYPE)
    try:
        members = _members(list(pages), registration.issuer)
    except ServiceError as error:
        session.rollback()
        note_refusal(session, registration_id, error)
        raise

    def bookkeeping(session: Session) -> None:
        """The token worked, and the roster was read now: kept with the sync, in its commit."""
        clear_refusals(session, registration_id)
        endpoints_for(session, course_id).roster_synced_at = utcnow()

    return sync_roster(session, course_id, members, alongside=bookkeeping)


def roster_is_stale(session: Session, course_id: int) -> bool:
    endpoints = endpoints_for(session, course_id)
    synced = endpoints.roster_synced_at
    if not endpoints.memberships_url or is_broken(endpoints.registration):
        return False  # a broken registration's roster waits for an admin (lti.health)
    return synced is None or utcnow() - synced > STALE_AFTER


def roster_due_after_launch(
    session: Session, course_id: int, registration_id: int, services: ServiceClaims
) -> bool:
    """Remember the launch's service URLs; say whether the roster should be re-read.

    The launch only asks: reading a roster is the task queue's work (web/tasks.py), so no
    student waits on the LMS's answer."""
    if remember_services(session, course_id, registration_id, services) is None:
        return False
    return roster_is_stale(session, course_id)
