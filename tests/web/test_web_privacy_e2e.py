"""Erasure end to end through the demo LMS: a student erases themselves, and the next launch of
the same LMS user is a new, empty person; a partner university's teacher cannot erase."""

from __future__ import annotations

import re

import requests

from demo.testing import launch_form_fields
from tests.live import LiveStack
from tests.web.test_web_exchange_e2e import SETUP, _profile


def _launch(stack: LiveStack, slug: str, user_id: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(f"{stack.demo_url}/{slug}/launch/{user_id}?target=window", timeout=10)
    form = launch_form_fields(page.text)
    landed = http.post(form.pop("action"), data=form, timeout=10)
    assert landed.status_code == 200, landed.text
    return http, landed.url


def _export(http: requests.Session, base: str) -> dict[str, object]:
    response = http.get(f"{base}/me/data.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data: dict[str, object] = response.json()
    return data


def _rows(data: dict[str, object], table: str) -> list[dict[str, object]]:
    holdings = data["holdings"]
    assert isinstance(holdings, list)
    return [row for h in holdings if h["table"] == table for row in h["rows"]]


def test_erasure_then_a_new_launch_starts_a_new_person(live_stack: LiveStack) -> None:
    base = live_stack.tandem_url
    leiden, bologna = live_stack.platform("leiden"), live_stack.platform("bologna")
    owner, _overview_url = _launch(live_stack, "leiden", leiden.teacher.user_id)
    created = owner.post(f"{base}/exchanges/new", data=SETUP, timeout=10)
    exchange_id = int(re.findall(r"/exchanges/(\d+)/teacher", created.url)[0])
    code_page = owner.post(f"{base}/exchanges/{exchange_id}/code", timeout=10).text
    code = re.findall(r'data-testid="join-code">([A-Z0-9-]+)<', code_page)[0]
    partner, _ = _launch(live_stack, "bologna", bologna.teacher.user_id)
    partner.post(f"{base}/exchanges/join", data={"code": code}, timeout=10)
    overview = owner.get(created.url, timeout=10).text
    seat_id = re.findall(r"/seats/(\d+)/decide", overview)[0]
    owner.post(f"{base}/seats/{seat_id}/decide", data={"approve": "1"}, timeout=10)

    sanne = leiden.students[0]
    http, landed = _launch(live_stack, "leiden", sanne.user_id)
    saved = http.post(landed, data=_profile("Europe/Amsterdam", "nl"), timeout=10)
    assert saved.url.endswith(f"/exchanges/{exchange_id}")
    before = _export(http, base)
    [account] = _rows(before, "external_account")
    assert account["subject"] == sanne.user_id
    assert _rows(before, "profile")
    summary = http.get(f"{base}/me/data", timeout=10).text
    assert "Urban studies" in summary

    # The partner (Bologna) teacher may not erase Sanne; her own (Leiden) teacher may.
    participant_id = re.findall(
        rf"/exchanges/{exchange_id}/participants/(\d+)/erase", owner.get(created.url).text
    )[0]
    erase_url = f"{base}/exchanges/{exchange_id}/participants/{participant_id}/erase"
    assert partner.get(erase_url, timeout=10).status_code == 403
    assert partner.post(erase_url, timeout=10).status_code == 403
    assert owner.get(erase_url, timeout=10).status_code == 200

    # Sanne erases herself; a double submit lands on the same page.
    for _ in range(2):
        done = http.post(f"{base}/me/erase", timeout=10)
        assert done.status_code == 200
        assert 'data-testid="erased"' in done.text
    assert http.get(f"{base}/me/data.json", timeout=10).status_code == 401  # signed out

    again, landed_again = _launch(live_stack, "leiden", sanne.user_id)
    assert landed_again.endswith(f"/exchanges/{exchange_id}/profile")  # onboarding afresh
    after = _export(again, base)
    assert after["person_id"] != before["person_id"]
    assert not _rows(after, "profile")
    assert [r["subject"] for r in _rows(after, "external_account")] == [sanne.user_id]
    assert "Urban studies" not in again.get(f"{base}/me/data", timeout=10).text
    # The teacher's page no longer lists her old participation by name twice.
    page = owner.get(created.url, timeout=10).text
    assert page.count(f"/participants/{participant_id}/erase") == 0
