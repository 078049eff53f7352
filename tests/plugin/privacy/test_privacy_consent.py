"""Each sharing choice, walked over every viewer and every domain view that shows teammates:
the room's members (the room page and the socket ``sync`` event both use ``room_members``)
and the suggested meeting times. Bruno (Bologna) shares exactly one field at a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.profiles.models import Profile
from plugin.profiles.service import SHAREABLE
from plugin.rooms.meetings import meeting_plan
from plugin.rooms.service import MemberView, room_members
from plugin.workspace.service import room_snapshot
from tests.plugin.completion.completion_world import CompletionWorld, build_completion_world

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = [[1440 + 15 * 60, 1440 + 19 * 60]]  # Tuesday 15:00-19:00 UTC


def _profiles(session: Session, cw: CompletionWorld, bruno_shares: set[str]) -> None:
    for actor in (cw.rooms.alice, cw.rooms.bruno):
        profile = session.scalar(select(Profile).where(Profile.person_id == actor.person_id))
        assert profile is not None
        profile.pronouns = "he/him" if actor == cw.rooms.bruno else "she/her"
        profile.languages = [{"code": "it", "level": "native"}]
        profile.discipline = "Hydrology"
        profile.interests = ["rowing"]
        profile.availability = WEEK
        everything = dict.fromkeys(SHAREABLE, True)
        chosen = {key: key in bruno_shares for key in SHAREABLE}
        profile.consents = chosen if actor == cw.rooms.bruno else everything
    session.commit()


def _bruno(members: list[MemberView], cw: CompletionWorld) -> MemberView:
    return next(m for m in members if m.person_id == cw.rooms.bruno.person_id)


def _seen(session: Session, cw: CompletionWorld, viewer: Actor) -> dict[str, bool]:
    """Which of Bruno's fields ``viewer`` sees, over every view that shows him."""
    members = room_members(session, viewer, cw.rooms.room_id, NOW)
    bruno = _bruno(members, cw)
    state = repr(room_snapshot(session, viewer, cw.rooms.room_id, NOW))
    plan = meeting_plan(session, viewer, cw.rooms.room_id, NOW)
    counted = cw.rooms.bruno.person_id in plan.counted
    assert counted == any(cw.rooms.bruno.person_id in s.free for s in plan.slots)
    return {
        "pronouns": bruno.pronouns is not None and "he/him" in state,
        "languages": bool(bruno.languages),
        "availability": counted,
        "overlap": bruno.overlap_minutes is not None,
        "time_zone": bruno.time_zone is not None and bruno.local_time is not None,
        "discipline": "Hydrology" in state,
        "interests": "rowing" in state,
        "email": "@" in repr(members) or "@" in state,
    }


@pytest.mark.parametrize("field", [None, *SHAREABLE])
def test_partners_see_exactly_what_bruno_shares(session: Session, field: str | None) -> None:
    cw = build_completion_world(session)
    _profiles(session, cw, {field} if field else set())
    expected_partner = {
        "pronouns": field == "pronouns",
        "languages": field == "languages",
        "availability": field == "availability",
        "overlap": field == "availability",
        "time_zone": field == "time_zone",
        "discipline": False,  # never on a teammate's card
        "interests": False,
        "email": False,
    }
    for partner in (cw.rooms.alice, cw.rooms.teacher):  # partner teammate, partner teacher
        assert _seen(session, cw, partner) == expected_partner, (partner, field)
    # His own university's teacher sees his time zone and counts his availability always;
    # the card's fields (pronouns, languages) follow his choice for everyone.
    own = _seen(session, cw, cw.bologna_teacher)
    assert own == {
        **expected_partner,
        "availability": True,
        "overlap": False,  # she has no profile, so no free times to overlap with
        "time_zone": True,
    }, field
