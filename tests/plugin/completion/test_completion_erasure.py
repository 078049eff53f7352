"""Erasing a participant forgets them in the ledger too: their private notes and the link from
the chain to them go, every other event stays, and the chain still verifies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.completion.service import override_completion
from plugin.exchanges.models import Participant, ParticipantStatus, Seat
from plugin.ledger.models import LedgerEvent, LedgerPrivate
from plugin.ledger.service import check_chain, events_about
from plugin.privacy.service import erase_participant
from tests.plugin.completion.completion_world import build_completion_world, make_ready

REASON = "Missed two meetings through illness; made up for it in the project."


def test_erasure_forgets_the_person_in_the_ledger_and_keeps_the_chain(session: Session) -> None:
    cw = build_completion_world(session)
    alice, teacher = cw.rooms.alice, cw.rooms.teacher
    make_ready(session, cw, alice)
    override_completion(
        session, teacher, cw.exchange_id, alice.person_id, approve=True, reason=REASON
    )
    seat = session.scalars(select(Seat).where(Seat.course_id == cw.leiden_course)).one()
    participant = Participant(
        exchange_id=cw.exchange_id, seat_id=seat.id, person_id=alice.person_id, role=alice.role
    )
    session.add(participant)
    session.commit()
    before = events_about(session, alice.person_id)
    assert any(event.private == {"reason": REASON} for event in before)
    events = session.scalar(select(LedgerEvent.id).order_by(LedgerEvent.id.desc()).limit(1))

    erase_participant(session, teacher, participant.id)

    assert session.get(Participant, participant.id).status is ParticipantStatus.ERASED  # type: ignore[union-attr]
    assert events_about(session, alice.person_id) == []
    notes = session.scalars(select(LedgerPrivate.data)).all()
    assert {"reason": REASON} not in notes
    assert session.scalar(select(LedgerEvent.id).order_by(LedgerEvent.id.desc()).limit(1)) == events
    report = check_chain(session)
    assert report.valid, report
