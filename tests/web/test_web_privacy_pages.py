"""A browser signed in as a student their teacher has since erased is signed out, not left
acting as the nameless row erasure keeps."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.exchanges.service import enter_exchange
from plugin.privacy.service import erase_participant
from tests.plugin.exchanges.world import make_world, partnered
from tests.web.test_web_exchange_pages import _sign_in


def test_an_erased_students_open_session_is_signed_out(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    _owner, partner, exchange_id, _seat_id = partnered(world)
    giulia = world.arrive("bologna", "s1", name="Giulia Romano")
    view = enter_exchange(world.session, giulia, str(exchange_id))
    assert view is not None
    participant_id = view.participant.id
    _sign_in(app, client, giulia)
    assert client.get("/me/data.json").status_code == 200

    erase_participant(world.session, partner, participant_id)

    assert client.get("/me/data.json").status_code == 401
    assert client.get(f"/exchanges/{exchange_id}").status_code == 401
