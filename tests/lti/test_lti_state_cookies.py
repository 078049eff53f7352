"""LTI login state stays bounded: cookies are cleared at launch, anonymous rows die young."""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import select

from demo.testing import launch_form_fields
from lti.models import LaunchState
from lti.state_storage import LOGIN_STATE_SECONDS
from plugin.db import utcnow
from tests.live import Launcher, LiveStack


def _state_cookies(http: requests.Session) -> list[str]:
    return [c.name for c in http.cookies if c.name.startswith("lti1p3-state-")]


def test_repeated_launches_leave_no_state_cookies(live_stack: LiveStack) -> None:
    """One browser launching again and again: before, one 5-minute cookie piled up per launch
    (after ~88 every request got 431 Request Header Fields Too Large)."""
    platform = live_stack.platform("leiden")
    http = requests.Session()
    for _ in range(6):
        url = f"{live_stack.demo_url}/leiden/launch/{platform.students[0].user_id}?target=window"
        form = launch_form_fields(http.get(url, timeout=10).text)
        action = form.pop("action")
        page = http.post(action, data=form, timeout=10)
        assert page.status_code == 200
        assert _state_cookies(http) == []


def test_a_login_keeps_its_rows_short_and_purges_expired_ones_once_a_minute(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    live_stack.tandem.extensions["tandem.lti"].state_purges.reset()
    with live_stack.session_factory() as db:
        db.add(LaunchState(key="old-row", value=True, expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    before = utcnow()
    launcher.login("leiden")
    with live_stack.session_factory() as db:
        assert db.get(LaunchState, "old-row") is None
        newest = db.scalars(select(LaunchState.expires_at)).all()
        assert newest
        assert max(newest) <= before + timedelta(seconds=LOGIN_STATE_SECONDS + 5)
        db.add(LaunchState(key="old-again", value=True, expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    launcher.login("leiden")  # within the minute: no second purge
    with live_stack.session_factory() as db:
        assert db.get(LaunchState, "old-again") is not None
    live_stack.tandem.extensions["tandem.lti"].state_purges.reset()  # as if a minute passed
    launcher.login("leiden")
    with live_stack.session_factory() as db:
        assert db.get(LaunchState, "old-again") is None


def test_a_login_drops_a_pile_of_abandoned_state_cookies(live_stack: LiveStack) -> None:
    platform = live_stack.platform("leiden")
    http = requests.Session()
    for index in range(12):
        http.cookies.set(f"lti1p3-state-abandoned-{index}", "x", domain="127.0.0.1", path="/")
    answer = http.get(
        f"{live_stack.tandem_url}/lti/login",
        params={
            "iss": platform.issuer,
            "login_hint": platform.students[0].user_id,
            "target_link_uri": f"{live_stack.tandem_url}/lti/launch",
            "client_id": platform.client_id,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    assert len(_state_cookies(http)) == 1  # only this login's own
