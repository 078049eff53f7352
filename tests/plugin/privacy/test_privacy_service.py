"""GDPR export and erasure against the schema: every column naming a person is declared, the
export holds every such row, and erasure leaves nothing that leads back to the person."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti.grades import course_gradebook
from lti.models import GradeOutbox
from plugin.actors import Actor, Role
from plugin.calls.service import join_call, leave_call
from plugin.chat.models import Message
from plugin.chat.service import messages_after, post_message
from plugin.db import Base
from plugin.errors import NotAllowed, NotFound
from plugin.ledger.service import check_chain
from plugin.notes.service import save_note
from plugin.notifications.addresses import confirm_address, request_address
from plugin.notifications.models import Notification
from plugin.notifications.service import notify
from plugin.people.models import ExternalAccount, Person
from plugin.privacy.declarations import HOLDINGS, Erase
from plugin.privacy.service import erase_person, export_person, is_erased
from plugin.rooms.service import room_members
from tests.plugin.completion.completion_world import (
    REFLECTION,
    CompletionWorld,
    build_completion_world,
    make_ready,
)

SECRET_LINE = "my secret plan for the poster"


def _person_columns() -> set[tuple[str, str]]:
    found = set()
    for table in Base.metadata.tables.values():
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.table.name == "person":
                    found.add((table.name, column.name))
    return found


def test_every_column_naming_a_person_is_declared_for_export_and_erasure() -> None:
    declared = {(h.table, h.column) for h in HOLDINGS}
    missing = _person_columns() - declared
    assert not missing, f"declare these in plugin/privacy/declarations.py: {sorted(missing)}"
    for holding in HOLDINGS:
        table = Base.metadata.tables[holding.table]
        assert holding.column in table.c, holding
        assert all(name in table.c for name in (*holding.scrub, *holding.only)), holding
        assert holding.export, holding
    # Keeping a link is only for teachers' administrative acts, never a student's data.
    kept = {(h.table, h.column) for h in HOLDINGS if h.erase is Erase.KEEP}
    assert kept == {
        ("exchange", "owner_id"),
        ("exchange_seat", "requested_by_id"),
        ("exchange_seat", "decided_by_id"),
    }


def _alice_everywhere(session: Session, cw: CompletionWorld) -> Actor:
    rooms = cw.rooms
    alice = rooms.alice
    session.add(
        ExternalAccount(namespace="lti:leiden", subject="sub-alice", person_id=alice.person_id)
    )
    session.commit()
    make_ready(session, cw, alice)
    post_message(session, alice, rooms.room_id, "c-secret", SECRET_LINE)
    save_note(session, alice, rooms.room_id, 0, "Agenda: poster")
    join_call(session, alice, rooms.room_id, datetime(2026, 3, 3, 10, tzinfo=UTC))
    leave_call(session, alice, rooms.room_id, datetime(2026, 3, 3, 11, tzinfo=UTC))
    notify(
        session, [alice.person_id], "completion_approved", {"exchange": "Climate"}, dedupe_key="x"
    )
    session.commit()
    request_address(session, alice, "alice@home.example")
    confirm_address(session, alice.person_id, "alice@home.example")
    return alice


def _count(session: Session, table: str, column: str, person_id: int) -> int:
    t = Base.metadata.tables[table]
    return int(
        session.scalar(select(func.count()).select_from(t).where(t.c[column] == person_id)) or 0
    )


def test_the_export_holds_every_row_that_names_the_person(session: Session) -> None:
    cw = build_completion_world(session)
    alice = _alice_everywhere(session, cw)

    data = export_person(session, alice)

    text = json.dumps(data)  # JSON-ready as it is, bytes included
    assert data["format"] == "tandem-personal-data/1"
    exported = {(h["table"], h["column"]): h["rows"] for h in data["holdings"]}
    for holding in HOLDINGS:
        rows = exported[(holding.table, holding.column)]
        assert len(rows) == _count(session, holding.table, holding.column, alice.person_id), holding
    for table in (
        "room_message",
        "room_note_update",
        "completion",
        "completion_evidence",
        "team_membership",
        "room_call_attendance",
        "notification",
        "external_account",
        "course_membership",
        "ledger_subject",
        "notify_address",
    ):
        assert any(exported[(t, c)] for t, c in exported if t == table), table
    assert SECRET_LINE in text
    assert REFLECTION in text
    assert "sub-alice" in text
    assert data["ledger_events"]
    assert "alice@example.org" in text
    assert "alice@home.example" in text


def test_erasure_leaves_nothing_that_leads_back_and_a_relaunch_is_a_new_person(
    session: Session,
) -> None:
    cw = build_completion_world(session)
    alice = _alice_everywhere(session, cw)
    bruno = cw.rooms.bruno
    notify(
        session,
        [bruno.person_id],
        "teams_published",
        {"exchange": "Climate", "team": "Team 1", "teammates": "Alice (Universiteit Leiden), Chen"},
        dedupe_key=f"team:{cw.rooms.team_id}",
        target=f"room:{cw.rooms.team_id}",
    )
    session.commit()

    session.add(
        GradeOutbox(
            course_id=cw.leiden_course,
            person_id=alice.person_id,
            user_id="sub-alice",
            score_given=1.0,
            score_maximum=1.0,
            activity_progress="Completed",
            grading_progress="FullyGraded",
        )
    )
    session.commit()
    assert alice.person_id in [g.person_id for g in course_gradebook(session, cw.leiden_course)]

    erase_person(session, cw.rooms.teacher, alice.person_id)

    gradebook = course_gradebook(session, cw.leiden_course)
    assert alice.person_id not in [g.person_id for g in gradebook]  # the teacher's grades page
    [told] = session.scalars(select(Notification).where(Notification.person_id == bruno.person_id))
    assert told.params["teammates"] == "Universiteit Leiden, Chen"

    for holding in HOLDINGS:
        if holding.erase is not Erase.KEEP and holding.table != "person":
            assert _count(session, holding.table, holding.column, alice.person_id) == 0, holding
    person = session.get(Person, alice.person_id)
    assert person is not None
    assert person.display_name is None
    assert person.email is None
    assert is_erased(session, alice.person_id)
    # Teammates see a removed line, never its text or its author.
    lines = messages_after(session, bruno, cw.rooms.room_id, 0)
    assert SECRET_LINE not in json.dumps([m.as_dict() for m in lines], default=str)
    assert all(m.as_dict().get("author_id") != alice.person_id for m in lines)
    assert SECRET_LINE not in session.scalars(select(Message.body)).all()
    members = room_members(session, bruno, cw.rooms.room_id, datetime(2026, 3, 3, tzinfo=UTC))
    assert alice.person_id not in [m.person_id for m in members]
    dump = json.dumps(
        [
            [list(row) for row in session.execute(select(table)).all()]
            for table in Base.metadata.sorted_tables
        ],
        default=str,
    )
    for secret in (REFLECTION, SECRET_LINE, "sub-alice", "alice@example.org", "alice@home.example"):
        assert secret not in dump, secret
    assert check_chain(session).valid
    with pytest.raises(NotFound):
        erase_person(session, cw.rooms.teacher, alice.person_id)


def test_only_the_persons_own_university_may_erase(session: Session) -> None:
    cw = build_completion_world(session)
    alice = _alice_everywhere(session, cw)
    for outsider in (cw.bologna_teacher, cw.rooms.stranger, cw.rooms.bruno):
        with pytest.raises(NotAllowed):
            erase_person(session, outsider, alice.person_id)
    assert not is_erased(session, alice.person_id)
    bologna_admin = Actor(cw.bologna_teacher.person_id, Role.ADMIN, cw.bologna_course)
    with pytest.raises(NotAllowed):
        erase_person(session, bologna_admin, alice.person_id)
    leiden_admin = Actor(cw.rooms.teacher.person_id, Role.ADMIN, cw.leiden_course)
    erase_person(session, leiden_admin, alice.person_id)
    assert is_erased(session, alice.person_id)


def test_a_student_may_erase_themselves(session: Session) -> None:
    cw = build_completion_world(session)
    alice = _alice_everywhere(session, cw)
    erase_person(session, alice, alice.person_id)
    assert is_erased(session, alice.person_id)


def test_the_records_of_processing_cover_every_declared_holding(app: Flask) -> None:
    runner = app.test_cli_runner()
    markdown = runner.invoke(args=["tandem", "privacy", "records"])
    assert markdown.exit_code == 0, markdown.output
    for holding in HOLDINGS:
        assert f"`{holding.table}.{holding.column}`" in markdown.output
    as_json = runner.invoke(args=["tandem", "privacy", "records", "--json"])
    data = json.loads(as_json.output)
    assert len(data["items"]) == len(HOLDINGS)
    assert {i["on_erasure"] for i in data["items"] if i["table"] == "external_account"} == {
        "deleted"
    }


def test_the_privacy_page_lists_every_holding_in_english_and_dutch(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/privacy").get_data(as_text=True)
    assert page.count("<tr><td>") == len(HOLDINGS)
    assert "The learning platform&#39;s user id (LTI &#39;sub&#39;)." in page
    dutch = client.get("/privacy?lang=nl").get_data(as_text=True)
    assert "Hoe Tandem met je persoonsgegevens omgaat" in dutch
