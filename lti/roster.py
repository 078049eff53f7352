"""Names and Role Provisioning: fetch a course's roster from its LMS and hand it to the domain.

All pages are read (``rel=next`` quoted or not) before anything changes, so a roster cut
short by an error never marks the missing half as having left.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from lti.claims import NRPS_SCOPE, ServiceClaims
from lti.health import clear_refusals, is_broken, note_refusal
from lti.models import ServiceEndpoints
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
    return _is_stale(endpoints_for(session, course_id))


def _is_stale(endpoints: ServiceEndpoints) -> bool:
    synced = endpoints.roster_synced_at
    if not endpoints.memberships_url or is_broken(endpoints.registration):
        return False  # a broken registration's roster waits for an admin (lti.health)
    return synced is None or utcnow() - synced > STALE_AFTER


# How long a process waits before it looks at a course's roster again after a launch. The
# worker may be slow, down or absent (a demo without ``tandem worker``): every launch of a busy
# course would otherwise add one more identical task to the queue, and read the course's
# staleness once more.
CHECK_AGAIN_AFTER_SECONDS = 600.0


class RosterChecks:
    """The courses whose roster this process looked at after a launch lately (a TTL memo).

    Per process and in memory: a second process looks (and asks) once more, which the task
    answers cheaply (it re-checks staleness before it reads the LMS). So the queue holds at
    most one request per course, process and ``ttl_seconds``, however slow the worker.
    """

    def __init__(self, ttl_seconds: float = CHECK_AGAIN_AFTER_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._checked: dict[int, float] = {}

    def claim(self, course_id: int) -> bool:
        """True (and remembered) when this process has not looked within the TTL."""
        now = time.monotonic()
        with self._lock:
            checked = self._checked.get(course_id)
            if checked is not None and now - checked < self._ttl:
                return False
            if len(self._checked) > 10_000:  # forget the oldest half rather than grow forever
                for old in sorted(self._checked, key=self._checked.__getitem__)[:5_000]:
                    del self._checked[old]
            self._checked[course_id] = now
            return True

    def forget(self, course_id: int) -> None:
        """Look again at the next launch (tests; and a teacher may want it sooner)."""
        with self._lock:
            self._checked.pop(course_id, None)


def roster_due_after_launch(
    session: Session,
    course_id: int,
    registration_id: int,
    services: ServiceClaims,
    checks: RosterChecks | None = None,
) -> bool:
    """Remember the launch's service URLs; say whether the roster should be re-read now.

    The launch only asks: reading a roster is the task queue's work (web/tasks.py), so no
    student waits on the LMS's answer. With ``checks``, a course this process looked at
    within its TTL is neither looked at nor asked for again, so a slow or absent worker never
    lets launches flood the queue."""
    endpoints = remember_services(session, course_id, registration_id, services)
    if endpoints is None or (checks is not None and not checks.claim(course_id)):
        return False
    return _is_stale(endpoints)
