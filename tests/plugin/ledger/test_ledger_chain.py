"""The hash chain: appended events verify; any change, gap or reorder is found; erasure is not."""

from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from plugin.jcs import canonicalize
from plugin.ledger.chain import GENESIS, ChainedEvent, event_hash, verify_events
from plugin.ledger.models import EventKind, LedgerEvent, LedgerPrivate, LedgerSubject
from plugin.ledger.service import append, check_chain, events_about, forget_person, head_hash
from plugin.people.models import Institution, Person


def _chain(n: int) -> list[ChainedEvent]:
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "kind": "enrolled",
            "occurred_at": "2026-02-02T10:00:00Z",
            "exchange_id": 1,
            "subject": f"s{seq}",
            "actor": None,
            "payload": {"n": seq, "ü": "ä"},
            "private_hash": None,
            "prev_hash": prev,
        }
        digest = event_hash(**fields)  # type: ignore[arg-type]
        events.append(
            ChainedEvent(
                seq=seq,
                kind="enrolled",
                occurred_at="2026-02-02T10:00:00Z",
                exchange_id=1,
                subject=f"s{seq}",
                actor=None,
                payload={"n": seq, "ü": "ä"},
                private_hash=None,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    return events


def test_an_intact_chain_verifies_and_reports_its_head() -> None:
    events = _chain(5)
    report = verify_events(events)
    assert report.valid
    assert report.events == 5
    assert report.head == events[-1].hash


def test_a_changed_payload_a_gap_and_a_reorder_are_each_found() -> None:
    events = _chain(5)
    changed = [*events[:2], replace(events[2], payload={"n": 99}), *events[3:]]
    assert verify_events(changed).broken_at == 3
    assert verify_events([*events[:2], *events[3:]]).broken_at == 4
    assert not verify_events([events[1], events[0], *events[2:]]).valid


def test_the_hash_is_over_rfc8785_json() -> None:
    """The hash is reproducible from the JCS form (key order, no whitespace)."""
    import hashlib

    body = {
        "seq": 1,
        "kind": "k",
        "occurredAt": "t",
        "exchange": None,
        "subject": None,
        "actor": None,
        "payload": {"b": 1, "a": 2.0},
        "privateHash": None,
        "prev": GENESIS,
    }
    expected = hashlib.sha256(canonicalize(body)).hexdigest()
    assert (
        event_hash(
            seq=1,
            kind="k",
            occurred_at="t",
            exchange_id=None,
            subject=None,
            actor=None,
            payload={"a": 2, "b": 1},
            private_hash=None,
            prev_hash=GENESIS,
        )
        == expected
    )


def _person(session: Session) -> Person:
    institution = Institution(name="Uni", country="NL")
    person = Person(institution=institution, lms_name="Eve", email="eve@example.org")
    session.add(person)
    session.flush()
    return person


def test_stored_events_chain_and_tampering_in_the_database_is_found(session: Session) -> None:
    start = check_chain(session).events
    person = _person(session)
    first = append(session, EventKind.ENROLLED, exchange_id=7, subject_id=person.id)
    second = append(
        session,
        EventKind.COMPLETION_OVERRIDDEN,
        subject_id=person.id,
        actor_id=person.id,
        payload={"status": "approved"},
        private={"reason": "Ill for three weeks"},
    )
    session.commit()
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert head_hash(session) == second.hash
    report = check_chain(session)
    assert report.valid
    assert report.events == start + 2
    assert [e.private for e in events_about(session, person.id)] == [
        None,
        {"reason": "Ill for three weeks"},
    ]
    session.execute(
        update(LedgerEvent).where(LedgerEvent.id == first.id).values(payload={"forged": True})
    )
    assert check_chain(session).broken_at == first.seq


def test_erasure_removes_personal_data_and_the_chain_still_verifies(session: Session) -> None:
    person = _person(session)
    append(session, EventKind.ENROLLED, subject_id=person.id)
    append(
        session,
        EventKind.COMPLETION_OVERRIDDEN,
        subject_id=person.id,
        private={"reason": "Personal circumstances"},
    )
    session.commit()
    assert forget_person(session, person.id) == 1
    session.commit()
    assert session.scalar(select(LedgerSubject).where(LedgerSubject.person_id == person.id)) is None
    assert session.scalars(select(LedgerPrivate)).all() == [] or all(
        p.data != {"reason": "Personal circumstances"}
        for p in session.scalars(select(LedgerPrivate))
    )
    assert events_about(session, person.id) == []
    assert check_chain(session).valid
