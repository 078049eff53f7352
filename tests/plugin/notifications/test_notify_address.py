"""A chosen notification address: pending until confirmed, bounded sends, LMS email as fallback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.errors import Conflict, InvalidInput, NotFound
from plugin.notifications.addresses import (
    MAX_SENDS_PER_HOUR,
    ConfirmationOutcome,
    confirm_address,
    my_address,
    pending_confirmations,
    record_confirmations,
    remove_address,
    request_address,
)
from plugin.notifications.models import NotifyAddress
from plugin.notifications.service import notify, pending_emails
from plugin.people.models import Person
from tests.plugin.completion.completion_world import CompletionWorld, build_completion_world


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    world = build_completion_world(session)
    alice = session.get(Person, world.rooms.alice.person_id)
    assert alice is not None
    alice.email, alice.locale = "alice@uni.example", "nl"
    session.commit()
    return world


def _tell(session: Session, person_id: int, key: str) -> str:
    notify(
        session,
        [person_id],
        "teams_published",
        {"exchange": "E", "team": "T", "teammates": "B"},
        dedupe_key=key,
    )
    session.commit()
    mine = [e for e in pending_emails(session) if e.person_id == person_id]
    return mine[-1].address  # the newest; earlier ones still wait for the worker too


def test_a_chosen_address_is_used_only_once_confirmed_and_removing_it_falls_back(
    session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    assert my_address(session, alice).used == "alice@uni.example"
    assert request_address(session, alice, "  Alice@Home.EXAMPLE ") is True
    view = my_address(session, alice)
    assert (view.lms, view.chosen, view.pending) == (
        "alice@uni.example",
        None,
        "Alice@home.example",
    )
    assert [(c.address, c.locale) for c in pending_confirmations(session)] == [
        ("Alice@home.example", "nl")
    ]
    assert _tell(session, alice.person_id, "a") == "alice@uni.example"  # not yet confirmed

    with pytest.raises(NotFound):
        confirm_address(session, alice.person_id, "someone@else.example")
    confirm_address(session, alice.person_id, "Alice@home.example")
    confirm_address(session, alice.person_id, "Alice@home.example")  # twice is harmless
    assert my_address(session, alice).used == "Alice@home.example"
    assert pending_confirmations(session) == []
    assert _tell(session, alice.person_id, "b") == "Alice@home.example"

    remove_address(session, alice)
    assert my_address(session, alice).chosen is None
    assert _tell(session, alice.person_id, "c") == "alice@uni.example"


def test_bad_addresses_are_refused_and_a_double_submit_sends_once(
    session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    for bad in ["", "nobody", "a@b", "a b@c.example", "x@y.example, z@w.example"]:
        with pytest.raises(InvalidInput):
            request_address(session, alice, bad)
    assert request_address(session, alice, "a@home.example") is True
    assert request_address(session, alice, "a@home.example") is False  # already queued
    assert request_address(session, alice, "ALICE@uni.example") is False  # already in use
    assert my_address(session, alice).pending is None


def test_confirmation_sends_are_bounded_per_hour_and_old_links_die(
    session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    for n in range(MAX_SENDS_PER_HOUR):
        assert request_address(session, alice, f"a{n}@home.example")
    with pytest.raises(Conflict):
        request_address(session, alice, "one-too-many@home.example")
    assert my_address(session, alice).pending == f"a{MAX_SENDS_PER_HOUR - 1}@home.example"
    with pytest.raises(NotFound):  # an earlier link, replaced by a newer request
        confirm_address(session, alice.person_id, "a0@home.example")

    row = session.scalar(select(NotifyAddress).where(NotifyAddress.person_id == alice.person_id))
    assert row is not None
    assert row.window_start is not None
    row.window_start -= timedelta(hours=1, seconds=1)  # an hour later
    session.commit()
    assert request_address(session, alice, "later@home.example")


def test_the_worker_outcome_is_recorded_and_a_newer_request_stays_pending(
    session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    request_address(session, alice, "first@home.example")
    [out] = pending_confirmations(session)
    request_address(session, alice, "second@home.example")  # while the first one was sending
    record_confirmations(session, [ConfirmationOutcome(out.person_id, out.address, sent=True)])
    assert [c.address for c in pending_confirmations(session)] == ["second@home.example"]
    record_confirmations(
        session,
        [ConfirmationOutcome(alice.person_id, "second@home.example", sent=False, permanent=True)],
    )
    assert pending_confirmations(session) == []
