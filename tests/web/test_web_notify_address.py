"""The 'Email for notifications' form: pending until the emailed link is confirmed, bounded,
bad input refused with a message; the confirmation delivered by a real SMTP server process."""

from __future__ import annotations

import mailbox
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session

from plugin.notifications.addresses import my_address
from plugin.notifications.service import pending_emails
from plugin.people.models import Person
from tests.plugin.completion.completion_world import CompletionWorld, build_completion_world
from tests.web.test_web_notifications import _sign_in, _tell, smtp_server
from web.app import create_app
from web.config import Settings
from web.mail import send_pending
from web.pages.notifications import address_token

__all__ = ["smtp_server"]


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    world = build_completion_world(session)
    alice = session.get(Person, world.rooms.alice.person_id)
    assert alice is not None
    alice.email, alice.locale = "alice@uni.example", "nl-NL"
    session.commit()
    return world


def test_the_form_shows_the_address_refuses_bad_input_and_bounds_sends(
    app: Flask, client: FlaskClient, cw: CompletionWorld
) -> None:
    _sign_in(app, client, cw.rooms.alice)
    page = client.get("/notifications")
    assert "Email for notifications" in page.text
    assert "alice@uni.example" in page.text
    assert "from your learning platform" in page.text

    bad = client.post("/notifications/address", data={"address": "not an address"})
    assert bad.status_code == 400
    assert "This is not an email address: not an address" in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert 'value="not an address"' in bad.text  # what was typed stays

    sent = client.post("/notifications/address", data={"address": "alice@home.example"})
    assert sent.status_code == 303
    shown = client.get("/notifications")
    assert "We sent a confirmation link to alice@home.example." in shown.text
    assert "Waiting for confirmation: alice@home.example." in shown.text
    assert "alice@uni.example" in shown.text  # still in use until confirmed
    again = client.post(
        "/notifications/address", data={"address": "alice@home.example"}, follow_redirects=True
    )
    assert "Nothing to confirm" in again.text  # a double submit sends nothing more

    for n in range(2):
        client.post("/notifications/address", data={"address": f"a{n}@home.example"})
    limited = client.post("/notifications/address", data={"address": "a9@home.example"})
    assert limited.status_code == 429
    assert "You asked for 3 confirmation emails this hour." in limited.text

    removed = client.post(
        "/notifications/address", data={"action": "remove"}, follow_redirects=True
    )
    assert "learning platform&#39;s address again" in removed.text
    assert "Waiting for confirmation" not in removed.text
    assert client.get("/notifications/address/confirm/forged").status_code == 404
    assert client.post("/notifications/address/confirm/forged").status_code == 404


def test_the_confirmation_arrives_by_smtp_and_its_link_switches_the_address(
    settings: Settings, session: Session, cw: CompletionWorld, smtp_server: tuple[int, Path]
) -> None:
    port, box = smtp_server
    app = create_app(
        replace(settings, smtp_host="127.0.0.1", smtp_port=port, base_url="https://tandem.test"),
        session_factory=lambda: session,
    )
    client = app.test_client()
    alice_id = cw.rooms.alice.person_id
    _sign_in(app, client, cw.rooms.alice)
    asked = client.post("/notifications/address", data={"address": "alice@home.example"})
    assert asked.status_code == 303  # the queue runs in the caller in tests: sent by now

    messages = list(mailbox.Maildir(str(box), create=False))
    assert len(messages) == 1
    mail = messages[0]
    assert mail["To"] == "alice@home.example"
    assert mail["Subject"] == "Bevestig je e-mailadres voor Tandem"  # Alice reads Dutch
    assert mail["List-Unsubscribe"] is None
    parts = {p.get_content_type(): p.get_payload(decode=True) for p in mail.walk()}
    plain = parts["text/plain"]
    assert isinstance(plain, bytes)
    text = plain.decode()
    found = re.search(r"https://tandem\.test(/notifications/address/confirm/\S+)", text)
    assert found, text
    link = found.group(1)

    scanned = client.get(link)  # a link scanner or the person's first click: only asks
    assert scanned.status_code == 200
    assert "Confirm this address" in scanned.text
    _tell(session, alice_id, key="before")
    assert [e.address for e in pending_emails(session) if e.person_id == alice_id] == [
        "alice@uni.example"
    ]
    with app.app_context():
        assert send_pending() == (1, 0)

    done = client.post(link)
    assert done.status_code == 200
    assert "Tandem now sends your notifications to alice@home.example" in done.text
    assert client.post(link).status_code == 200  # twice is harmless
    _tell(session, alice_id, key="after")
    with app.app_context():
        assert send_pending() == (1, 0)
    recipients = sorted(m["To"] for m in mailbox.Maildir(str(box), create=False))
    assert recipients == ["alice@home.example", "alice@home.example", "alice@uni.example"]
    page = client.get("/notifications")
    assert "your own address" in page.text


def test_a_confirmation_link_expires_after_48_hours_and_a_replaced_one_is_refused(
    app: Flask,
    client: FlaskClient,
    session: Session,
    cw: CompletionWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = cw.rooms.alice
    _sign_in(app, client, alice)
    client.post("/notifications/address", data={"address": "old@home.example"})
    client.post("/notifications/address", data={"address": "new@home.example"})
    with app.test_request_context():
        replaced = address_token(alice.person_id, "old@home.example")
        fresh = address_token(alice.person_id, "new@home.example")
        now = int(time.time())
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: now - 48 * 3600 - 1)
        stale = address_token(alice.person_id, "new@home.example")
        monkeypatch.undo()
    assert client.get(f"/notifications/address/confirm/{stale}").status_code == 404
    assert client.post(f"/notifications/address/confirm/{stale}").status_code == 404
    refused = client.post(f"/notifications/address/confirm/{replaced}")
    assert refused.status_code == 404
    assert "This confirmation link is not valid any more." in refused.text
    assert client.post(f"/notifications/address/confirm/{fresh}").status_code == 200
    assert my_address(session, alice).chosen == "new@home.example"
