"""Setting up a two-university exchange the way teachers and students do it: over HTTP,
launched from the demo LMS. Shared by the end-to-end and browser tests that need one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import requests
from sqlalchemy import select

from demo.platforms import DemoPlatform, DemoUser
from demo.testing import launch_form_fields
from plugin.people.models import ExternalAccount
from tests.live import LiveStack

EXCHANGE_FORM = {
    "title": "Rivers & Deltas",
    "description": "Leiden meets Bologna on water.",
    "languages": ["en"],
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-28",
    "team_size_min": "3",
    "team_size_max": "5",
    "weekly_hours": "3",
}


def launch_as(stack: LiveStack, slug: str, user_id: str) -> tuple[requests.Session, str]:
    """Click a person in the demo LMS; follow the OIDC flow and Tandem's routing."""
    http = requests.Session()
    page = http.get(f"{stack.demo_url}/{slug}/launch/{user_id}?target=window", timeout=10)
    form = launch_form_fields(page.text)
    landed = http.post(form.pop("action"), data=form, timeout=10)
    assert landed.status_code == 200, landed.text
    return http, landed.url


def person_id_of(stack: LiveStack, platform: DemoPlatform, user: DemoUser) -> int:
    with stack.session_factory() as db:
        found = db.scalar(
            select(ExternalAccount.person_id).where(
                ExternalAccount.namespace == f"lti:{platform.issuer}",
                ExternalAccount.subject == user.user_id,
            )
        )
    assert found is not None
    return found


def onboarding_form(zone: str, slots: tuple[str, ...] = ("0-1080",)) -> dict[str, object]:
    """A complete profile: the grid cells ``slots`` free, English B2, sharing consented."""
    return {
        "display_name": "",
        "time_zone": zone,
        "slot": list(slots),
        "lang-0": "en",
        "level-0": "B2",
        "share": ["languages", "availability"],
    }


@dataclass
class TwoUniversityExchange:
    """Leiden owns it, Bologna is an approved partner, three students have onboarded."""

    id: int
    owner: requests.Session
    partner: requests.Session
    students: list[tuple[DemoPlatform, DemoUser, requests.Session]]
    owner_id: int
    partner_teacher_id: int
    student_ids: list[int]


def set_up_two_university_exchange(
    stack: LiveStack, form: Mapping[str, object] | None = None
) -> TwoUniversityExchange:
    leiden, bologna = stack.platform("leiden"), stack.platform("bologna")
    base = stack.tandem_url
    owner, _ = launch_as(stack, "leiden", leiden.teacher.user_id)
    created = owner.post(f"{base}/exchanges/new", data=form or EXCHANGE_FORM, timeout=10)
    exchange_id = int(re.findall(r"/exchanges/(\d+)/teacher", created.url)[0])
    code_page = owner.post(f"{base}/exchanges/{exchange_id}/code", timeout=10).text
    code = re.findall(r'data-testid="join-code">([A-Z0-9-]+)<', code_page)[0]
    partner, _ = launch_as(stack, "bologna", bologna.teacher.user_id)
    partner.post(f"{base}/exchanges/join", data={"code": code}, timeout=10)
    overview = owner.get(f"{base}/exchanges/{exchange_id}/teacher", timeout=10).text
    seat_id = re.findall(r"/seats/(\d+)/decide", overview)[0]
    owner.post(f"{base}/seats/{seat_id}/decide", data={"approve": "1"}, timeout=10)
    members = [
        (leiden, leiden.students[0], "Europe/Amsterdam"),
        (bologna, bologna.students[0], "Europe/Rome"),
        (bologna, bologna.students[1], "Europe/Rome"),
    ]
    students = []
    for platform, student, zone in members:
        http, landed = launch_as(stack, platform.slug, student.user_id)
        assert http.post(landed, data=onboarding_form(zone), timeout=10).status_code == 200
        students.append((platform, student, http))
    return TwoUniversityExchange(
        id=exchange_id,
        owner=owner,
        partner=partner,
        students=students,
        owner_id=person_id_of(stack, leiden, leiden.teacher),
        partner_teacher_id=person_id_of(stack, bologna, bologna.teacher),
        student_ids=[person_id_of(stack, p, s) for p, s, _ in members],
    )
