"""The bell and the notifications page, and notification email through a real SMTP server
process (aiosmtpd on 127.0.0.1): the recipient's language, one-click unsubscribe."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from email.message import Message
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.notifications.service import notify
from plugin.people.models import Person
from tests.live import free_port
from tests.plugin.completion.completion_world import CompletionWorld, build_completion_world
from web.app import create_app
from web.auth import start_web_session
from web.config import Settings
from web.mail import mime, send_pending


def _sign_in(app: Flask, client: FlaskClient, actor: Actor) -> None:
    from flask import session as browser_state

    with app.test_request_context():
        start_web_session(actor)
        state = dict(browser_state)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(state)


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _tell(session: Session, person_id: int, key: str = "team:1") -> None:
    notify(
        session,
        [person_id],
        "teams_published",
        {"exchange": "Climate & Cities", "team": "Team A", "teammates": "Bruno (Bologna)"},
        dedupe_key=key,
        target="room:1",
    )
    session.commit()


def test_the_bell_counts_and_the_page_marks_read(
    app: Flask, client: FlaskClient, session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    _sign_in(app, client, alice)
    home = client.get("/notifications")
    assert 'data-testid="bell"' in home.text
    assert "(1 unread)" not in home.text
    _tell(session, alice.person_id)

    page = client.get("/notifications?lang=nl")
    assert page.status_code == 200
    assert "(1 ongelezen)" in page.text
    assert "Je team in Climate &amp; Cities is klaar" in page.text
    assert 'href="/teams/1/room"' in page.text

    done = client.post("/notifications/read", follow_redirects=True)
    assert "unread)" not in done.text
    assert "Marked as read." in done.text  # this request came without ?lang=nl


def test_choices_are_saved_from_the_form(
    app: Flask, client: FlaskClient, session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    _sign_in(app, client, alice)
    saved = client.post(
        "/notifications/choices", data={"teams_published:app": "on"}, follow_redirects=True
    )
    assert "Your notification choices are saved." in saved.text
    assert re.search(r'name="teams_published:app"[^>]*checked', saved.text)
    assert not re.search(r'name="teams_published:email"[^>]*checked', saved.text)


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """aiosmtpd as its own process, writing what it receives to a Maildir."""
    port, box = free_port(), tmp_path / "mail"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(box),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not box.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the Maildir appears just before the listening socket
        yield port, box
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_email_goes_out_in_the_recipients_language_with_one_click_unsubscribe(
    settings: Settings, session: Session, cw: CompletionWorld, smtp_server: tuple[int, Path]
) -> None:
    port, box = smtp_server
    app = create_app(
        replace(settings, smtp_host="127.0.0.1", smtp_port=port, base_url="https://tandem.test"),
        session_factory=lambda: session,
    )
    alice = session.get(Person, cw.rooms.alice.person_id)
    assert alice is not None
    alice.email, alice.locale = "alice@example.org", "nl-NL"
    alice_id = alice.id
    _tell(session, alice_id)

    with app.app_context():
        assert send_pending() == (1, 0)
        assert send_pending() == (0, 0)  # sent once

    messages: list[Message] = list(mailbox.Maildir(str(box), create=False))
    assert len(messages) == 1
    mail = messages[0]
    assert mail["To"] == "alice@example.org"
    assert mail["Subject"] == "Je team in Climate & Cities is klaar"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.sub(r"\s+", "", str(mail["List-Unsubscribe"]))  # long headers are folded
    link = re.fullmatch(r"<(https://tandem\.test/notifications/unsubscribe/[^>]+)>", header)
    assert link, header
    parts = {p.get_content_type(): p.get_payload(decode=True) for p in mail.walk()}
    assert b"https://tandem.test/teams/1/room" in parts["text/plain"]
    assert b"<a href=" in parts["text/html"]

    client = app.test_client()
    path = link.group(1).removeprefix("https://tandem.test")
    assert client.get(path).status_code == 200  # a person's click asks first
    one_click = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    _tell(session, alice_id, key="team:2")
    with app.app_context():
        assert send_pending() == (0, 0)  # unsubscribed from this kind
    assert client.post("/notifications/unsubscribe/forged").status_code == 404


def test_the_written_message_reads_back_with_any_language_in_it() -> None:
    long_url = "<https://tandem.test/notifications/unsubscribe/" + "a" * 120 + ">"
    data = mime(
        {
            "Subject": "Je credential voor Città & Dörfer",
            "To": "a@b.c",
            "List-Unsubscribe": long_url,
        },
        "Tekst: één\nregel twee",
        "<p>één</p>",
    )
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message["Subject"] == "Je credential voor Città & Dörfer"
    assert message["List-Unsubscribe"] == long_url  # one unfolded line, as RFC 8058 needs
    body = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert body is not None
    assert html is not None
    assert body.get_content() == "Tekst: één\nregel twee"
    assert html.get_content() == "<p>één</p>"


def test_the_email_link_opens_the_recipients_lms_activity_when_known(
    settings: Settings, session: Session, cw: CompletionWorld, smtp_server: tuple[int, Path]
) -> None:
    from plugin.courses.models import CourseLink

    port, box = smtp_server
    app = create_app(
        replace(settings, smtp_host="127.0.0.1", smtp_port=port, base_url="https://tandem.test"),
        session_factory=lambda: session,
    )
    session.add(
        CourseLink(
            course_id=cw.leiden_course,
            lms_url="https://moodle.leiden.example/mod/lti/view.php?l=7",
        )
    )
    alice = session.get(Person, cw.rooms.alice.person_id)
    bruno = session.get(Person, cw.rooms.bruno.person_id)
    assert alice is not None
    assert bruno is not None
    alice.email, bruno.email = "alice@example.org", "bruno@example.org"
    session.commit()
    team_id = cw.rooms.team_id
    notify(
        session,
        [alice.id, bruno.id],  # Bologna's course has no known LMS page
        "teams_published",
        {"exchange": "Climate", "team": "Team A", "teammates": "…"},
        dedupe_key="team-lms",
        target=f"room:{team_id}",
    )
    session.commit()

    with app.app_context():
        assert send_pending() == (2, 0)

    links = {}
    for mail in mailbox.Maildir(str(box), create=False):
        parts = {p.get_content_type(): p.get_payload(decode=True) for p in mail.walk()}
        links[mail["To"]] = parts["text/plain"]
    assert b"https://moodle.leiden.example/mod/lti/view.php?l=7" in links["alice@example.org"]
    assert b"learning platform" in links["alice@example.org"]
    room = f"https://tandem.test/teams/{team_id}/room".encode()
    assert room not in links["alice@example.org"]
    assert room in links["bruno@example.org"]
    assert b"moodle.leiden" not in links["bruno@example.org"]  # never another's course


def test_a_meeting_reminder_email_carries_the_ics_and_is_sent_once(
    settings: Settings, session: Session, cw: CompletionWorld, smtp_server: tuple[int, Path]
) -> None:
    from datetime import UTC, datetime, timedelta

    from plugin.rooms.agreed import agree_meeting, send_meeting_reminders

    port, box = smtp_server
    app = create_app(
        replace(settings, smtp_host="127.0.0.1", smtp_port=port, base_url="https://tandem.test"),
        session_factory=lambda: session,
    )
    alice = session.get(Person, cw.rooms.alice.person_id)
    assert alice is not None
    alice.email, alice.locale = "alice@example.org", "nl-NL"
    session.commit()
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=30)
    meeting = agree_meeting(session, cw.rooms.alice, cw.rooms.team_id, start, 45)
    assert send_meeting_reminders(session, before=timedelta(hours=1)) >= 1
    assert send_meeting_reminders(session, before=timedelta(hours=1)) == 0
    with app.app_context():
        _, failed = send_pending()
        assert failed == 0
        assert send_pending() == (0, 0)

    mails = [m for m in mailbox.Maildir(str(box), create=False) if m["To"] == "alice@example.org"]
    assert len(mails) == 1
    mail = email.message_from_bytes(mails[0].as_bytes(), policy=email.policy.default)
    assert mail.get_content_type() == "multipart/mixed"
    assert "vergadert om" in str(mail["Subject"])  # Dutch, her language
    [ics] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "meeting.ics"
    body = ics.get_content()
    lines = body.split("\r\n")
    assert f"UID:meeting-{meeting.id}@tandem.test" in lines
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in lines
    assert f"DTEND:{start + timedelta(minutes=45):%Y%m%dT%H%M%S}Z" in lines
    assert any(line.startswith("DTSTAMP:") for line in lines)
    assert f"URL:https://tandem.test/teams/{cw.rooms.team_id}/room" in lines
    assert any(line.startswith("SUMMARY:") for line in lines)
    alternative = [p.get_content_type() for p in mail.walk()]
    assert "text/plain" in alternative
    assert "text/html" in alternative
