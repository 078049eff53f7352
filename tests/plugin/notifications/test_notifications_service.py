"""Notifications: written with the event that causes them, once, to whom the choices allow."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.completion.service import approve_completion, request_completion
from plugin.errors import InvalidInput, NotFound
from plugin.notifications.models import Notification
from plugin.notifications.service import (
    EmailOutcome,
    mark_read,
    my_choices,
    my_notifications,
    notify,
    pending_emails,
    record_emails,
    set_choices,
    unread_count,
    unsubscribe,
)
from plugin.people.models import Person
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _with_email(session: Session, person_id: int, locale: str | None = None) -> None:
    person = session.get(Person, person_id)
    assert person is not None
    person.email, person.locale = f"p{person_id}@example.org", locale
    session.commit()


def test_an_approval_tells_the_student_once_in_app_and_by_email(
    session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    _with_email(session, alice.person_id, "nl")
    make_ready(session, cw, alice)
    request_completion(session, alice, cw.exchange_id)
    approve_completion(session, cw.rooms.teacher, cw.exchange_id, alice.person_id)

    notices = my_notifications(session, alice)
    assert [n.kind for n in notices] == ["completion_approved"]
    assert "approved your completion" in notices[0].body
    assert notices[0].target == f"completion:{cw.exchange_id}"
    assert unread_count(session, alice) == 1
    outgoing = [e for e in pending_emails(session) if e.person_id == alice.person_id]
    assert [(e.address, e.locale) for e in outgoing] == [(f"p{alice.person_id}@example.org", "nl")]
    # the teacher and the other students heard nothing
    assert my_notifications(session, cw.rooms.teacher) == []
    assert my_notifications(session, cw.rooms.bruno) == []


def test_the_same_event_never_notifies_twice(session: Session, cw: CompletionWorld) -> None:
    alice = cw.rooms.alice
    for _ in range(2):
        notify(
            session,
            [alice.person_id],
            "teams_published",
            {"exchange": "X", "team": "T", "teammates": "B"},
            dedupe_key="team:1",
        )
        session.commit()
    assert len(my_notifications(session, alice)) == 1


def test_choices_turn_channels_off_and_unsubscribe_stops_pending_email(
    session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    _with_email(session, alice.person_id)
    defaults = {c.kind: (c.app, c.email) for c in my_choices(session, alice)}
    assert defaults["credential_issued"] == (True, True)
    set_choices(session, alice, {("teams_published", "email")})  # the whole form: only this on
    notify(
        session,
        [alice.person_id],
        "teams_published",
        {"exchange": "X", "team": "T", "teammates": "B"},
        dedupe_key="team:1",
    )
    session.commit()
    assert unread_count(session, alice) == 0  # nothing unread in-app
    assert len(pending_emails(session)) == 1
    chosen = {c.kind: (c.app, c.email) for c in my_choices(session, alice)}
    assert chosen["teams_published"] == (False, True)
    assert chosen["credential_issued"] == (False, False)

    unsubscribe(session, alice.person_id, "teams_published")
    assert pending_emails(session) == []
    notify(
        session,
        [alice.person_id],
        "teams_published",
        {"exchange": "X", "team": "T", "teammates": "B"},
        dedupe_key="team:2",
    )
    session.commit()
    second = select(Notification).where(Notification.dedupe_key == "team:2")
    assert session.scalars(second).all() == []  # neither channel wanted: no row at all
    with pytest.raises(InvalidInput):
        set_choices(session, alice, {("no_such_kind", "app")})


def test_people_without_an_address_are_told_in_app_only(
    session: Session, cw: CompletionWorld
) -> None:
    bruno = cw.rooms.bruno
    person = session.get(Person, bruno.person_id)
    assert person is not None
    person.email = None  # e.g. Brightspace's anonymous mode
    notify(
        session,
        [bruno.person_id],
        "credential_issued",
        {"exchange": "X"},
        dedupe_key="credential:x",
    )
    session.commit()
    assert unread_count(session, bruno) == 1
    assert pending_emails(session) == []


def test_mark_read_is_per_person_and_email_failures_are_recorded(
    session: Session, cw: CompletionWorld
) -> None:
    alice, bruno = cw.rooms.alice, cw.rooms.bruno
    _with_email(session, alice.person_id)
    notify(
        session,
        [alice.person_id, bruno.person_id],
        "credential_issued",
        {"exchange": "X"},
        dedupe_key="credential:y",
    )
    session.commit()
    mine = my_notifications(session, alice)[0]
    with pytest.raises(NotFound):
        mark_read(session, bruno, mine.id)
    assert mark_read(session, alice, mine.id) == 1
    assert unread_count(session, alice) == 0
    assert unread_count(session, bruno) == 1

    email = pending_emails(session)[0]
    record_emails(session, [EmailOutcome(email.notification_id, sent=False, error="421 busy")])
    assert pending_emails(session)  # temporary: still pending
    refused = EmailOutcome(
        email.notification_id, sent=False, error="550 no such user", permanent=True
    )
    record_emails(session, [refused])
    row = session.get(Notification, email.notification_id)
    assert row is not None
    assert (row.email_state, row.email_error) == ("failed", "550 no such user")
