"""End to end through the demo LMS over HTTP: Leiden (Brightspace-style) creates an exchange,
Bologna (Moodle-style) joins with the code, Leiden approves, and students of both platforms
launch, onboard and meet in one pool on the teacher page."""

from __future__ import annotations

import re

import requests

from demo.testing import launch_form_fields
from tests.live import LiveStack

SETUP = {
    "title": "Climate & Cities",
    "description": "Leiden meets Bologna.",
    "languages": ["en", "it"],
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-28",
    "team_size_min": "3",
    "team_size_max": "5",
    "weekly_hours": "3",
}


def _launch(
    stack: LiveStack, slug: str, user_id: str
) -> tuple[requests.Session, requests.Response]:
    """Click a person in the demo LMS; follow the OIDC flow and Tandem's routing."""
    http = requests.Session()
    page = http.get(f"{stack.demo_url}/{slug}/launch/{user_id}?target=window", timeout=10)
    form = launch_form_fields(page.text)
    landed = http.post(form.pop("action"), data=form, timeout=10)
    assert landed.status_code == 200, landed.text
    return http, landed


def _profile(zone: str, first_language: str) -> dict[str, object]:
    return {
        "display_name": "",
        "pronouns": "they/them",
        "time_zone": zone,
        "slot": ["0-1080", "2-1080"],
        "lang-0": first_language,
        "level-0": "native",
        "lang-1": "en",
        "level-1": "B2",
        "discipline": "Urban studies",
        "interests": "water",
        "share": ["pronouns", "languages", "availability"],
    }


def test_two_universities_one_pool(live_stack: LiveStack) -> None:
    leiden, bologna = live_stack.platform("leiden"), live_stack.platform("bologna")
    base = live_stack.tandem_url

    owner, home = _launch(live_stack, "leiden", leiden.teacher.user_id)
    assert 'data-testid="create-exchange"' in home.text
    created = owner.post(f"{base}/exchanges/new", data=SETUP, timeout=10)
    assert created.status_code == 200
    overview_url = created.url
    exchange_id = int(re.findall(r"/exchanges/(\d+)/teacher", overview_url)[0])
    code_page = owner.post(f"{base}/exchanges/{exchange_id}/code", timeout=10).text
    code = re.findall(r'data-testid="join-code">([A-Z0-9-]+)<', code_page)[0]

    # A student of the partner course before the partner joined: not set up yet.
    _early, early_page = _launch(live_stack, "bologna", bologna.students[0].user_id)
    assert "Your teacher has not set up the exchange yet" in early_page.text

    partner, _home = _launch(live_stack, "bologna", bologna.teacher.user_id)
    wrong = partner.post(f"{base}/exchanges/join", data={"code": "AAAA-BBBB-CCCC"}, timeout=10)
    assert wrong.status_code == 404
    asked = partner.post(f"{base}/exchanges/join", data={"code": code}, timeout=10)
    assert 'data-testid="pending-seat"' in asked.text

    overview = owner.get(overview_url, timeout=10).text
    assert bologna.name in overview  # the partner's institution as its registration names it
    seat_id = re.findall(r"/seats/(\d+)/decide", overview)[0]
    owner.post(f"{base}/seats/{seat_id}/decide", data={"approve": "1"}, timeout=10)

    for slug, platform, zone, language in (
        ("leiden", leiden, "Europe/Amsterdam", "nl"),
        ("bologna", bologna, "Europe/Rome", "it"),
    ):
        for student in platform.students[:2]:
            http, landed = _launch(live_stack, slug, student.user_id)
            assert landed.url.endswith(f"/exchanges/{exchange_id}/profile")
            assert student.given_name in landed.text  # prefilled from the LMS
            saved = http.post(landed.url, data=_profile(zone, language), timeout=10)
            assert saved.status_code == 200
            assert saved.url.endswith(f"/exchanges/{exchange_id}")
            assert 'data-testid="in-pool"' in saved.text

    # The partner teacher now lands on the exchange's teacher page, too.
    _partner_again, partner_page = _launch(live_stack, "bologna", bologna.teacher.user_id)
    assert partner_page.url.endswith(f"/exchanges/{exchange_id}/teacher")

    pool = owner.get(overview_url, timeout=10).text
    # Leiden launches in Dutch (launch_presentation.locale): compare numbers, not words.
    assert re.search(r'data-testid="pool-count">[^<]*: 4<', pool)
    for name in (leiden.name, bologna.name, "Europe/Amsterdam"):
        assert name in pool
    assert "Europe/Rome" not in pool  # two partner students: under the minimum group of 3
    assert re.search(r"2 (of|van) 4 \(50%\)", pool)
    for platform in (leiden, bologna):
        for student in platform.students[:2]:
            assert student.given_name in pool
            assert student.email not in pool  # never an email on a page
