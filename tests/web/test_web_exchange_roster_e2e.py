"""'Sync roster now' end to end: the partner teacher reads their course's roster from the demo
LMS over NRPS and sees who never launched by name; the owner at the other university sees the
count only; an LMS that is down gives a clear message and loses nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.live import LiveStack
from tests.web.test_web_exchange_e2e import SETUP, _launch

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
NEVER = {"status": "Active", "user_id": "bologna-roster-only", "roles": [LEARNER]}


@pytest.fixture(autouse=True)
def healthy_lms(live_stack: LiveStack) -> Iterator[None]:
    yield
    for platform in live_stack.platforms.values():
        platform.services.down = False
        platform.services.extra_members.clear()


def _partnered(stack: LiveStack) -> tuple[requests.Session, requests.Session, str]:
    leiden, bologna = stack.platform("leiden"), stack.platform("bologna")
    base = stack.tandem_url
    owner, _home = _launch(stack, "leiden", leiden.teacher.user_id)
    created = owner.post(f"{base}/exchanges/new", data=SETUP, timeout=10)
    exchange_id = int(re.findall(r"/exchanges/(\d+)/teacher", created.url)[0])
    code_page = owner.post(f"{base}/exchanges/{exchange_id}/code", timeout=10).text
    code = re.findall(r'data-testid="join-code">([A-Z0-9-]+)<', code_page)[0]
    partner, _home = _launch(stack, "bologna", bologna.teacher.user_id)
    partner.post(f"{base}/exchanges/join", data={"code": code}, timeout=10)
    overview = owner.get(f"{base}/exchanges/{exchange_id}/teacher", timeout=10).text
    seat_id = re.findall(r"/seats/(\d+)/decide", overview)[0]
    owner.post(f"{base}/seats/{seat_id}/decide", data={"approve": "1"}, timeout=10)
    return owner, partner, f"{base}/exchanges/{exchange_id}"


def _count(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-testid="never-launched-count">[^<]*: (\d+)<', page)]


def test_sync_roster_now_shows_who_never_launched(live_stack: LiveStack) -> None:
    bologna = live_stack.platform("bologna")
    owner, partner, exchange_url = _partnered(live_stack)
    bologna.services.extra_members.append({**NEVER, "name": "Noor Haddad"})

    synced = partner.post(f"{exchange_url}/roster", timeout=10)
    assert synced.status_code == 200
    assert 'data-testid="roster-synced"' in synced.text
    assert "Noor Haddad" in synced.text
    never = {s.name for s in bologna.students} | {"Noor Haddad"}
    for name in never:  # no Bologna student has launched in this module's stack yet
        assert name in synced.text
    assert bologna.teacher.name not in re.findall(r"never-launched-name\">([^<]+)<", synced.text)

    as_owner = owner.get(f"{exchange_url}/teacher", timeout=10).text
    assert "Noor Haddad" not in as_owner  # another university: the count only
    assert len(never) in _count(as_owner)
    assert 'data-testid="sync-roster"' in as_owner  # for the owner's own seat only
    assert as_owner.count('data-testid="sync-roster"') == 1

    # A student launches at last: gone from the list without another sync.
    student = bologna.students[0]
    _launch(live_stack, "bologna", student.user_id)
    after = partner.get(f"{exchange_url}/teacher", timeout=10).text
    assert student.name not in re.findall(r"never-launched-name\">([^<]+)<", after)
    assert "Noor Haddad" in after

    # The LMS is down: a clear message, a 502, and the list known so far stays.
    bologna.services.down = True
    failed = partner.post(f"{exchange_url}/roster", timeout=10)
    assert failed.status_code == 502
    assert 'data-testid="roster-failed"' in failed.text
    assert "Noor Haddad" in failed.text
