"""In chromium, EN at 1280 px and NL at 375 px: a registrar defines a nano-degree of a Tandem
exchange's micro-credential and a partner's; the student adds both (the partner's pasted by
keyboard), claims the nano-degree and opens a wallet offer. Every page passes axe-core's WCAG
2.1 AA rules and scrolls no sideways."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from plugin.credentials.models import Credential
from plugin.people.models import Person
from tests.browser.test_browser_credentials_pages import _fits
from tests.browser.test_browser_launch import (
    axe_violations,
    open_from_lms,
)
from tests.live import LiveStack
from tests.plugin.pathways.pathway_world import PARTNER_ACHIEVEMENT, new_partner, trust
from tests.web.test_web_credentials_e2e import complete_and_sign_off, set_up_exchange

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TANDEM_SHOTS")  # a directory to keep the screenshots in, to look at


@dataclass(frozen=True)
class Ready:
    exchange_id: int
    credential_id: str
    email: str


@pytest.fixture(scope="module")
def ready(live_stack: LiveStack) -> Ready:
    exchange = set_up_exchange(live_stack)
    credential_id = complete_and_sign_off(live_stack, exchange)
    with live_stack.session_factory() as db:
        credential = db.get(Credential, credential_id)
        assert credential is not None
        student = db.get(Person, credential.person_id)
        institution_id = db.scalar(
            select(Person.institution_id).where(Person.id == exchange.teacher_id)
        )
        assert student is not None
        assert student.email
        email = student.email
    added = live_stack.tandem.test_cli_runner().invoke(
        args=[
            "tandem",
            "registrar",
            "add",
            "--person-id",
            str(exchange.teacher_id),
            "--institution-id",
            str(institution_id),
        ]
    )
    assert added.exit_code == 0, added.output
    return Ready(exchange.id, credential_id, email)


def _page(chromium: Any, width: int, locale: str) -> Any:
    context = chromium.new_context(
        viewport={"width": width, "height": 800},
        bypass_csp=True,
        locale=locale,
        timezone_id="Europe/Rome",
    )
    return context.new_page()


def _check(page: Any, name: str) -> None:
    page.wait_for_load_state("load")  # a step that navigates has waited for its navigation
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(SHOTS) / f"{name}.png", full_page=True)
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == [], page.url
    _fits(page)


def _launch(page: Any, stack: LiveStack, user_id: str, language: str) -> None:
    """Launch from Leiden's LMS (which asks for Dutch), then choose the page language."""
    open_from_lms(page, stack, "leiden", user_id)
    page.select_option("#lang-select", language)
    with page.expect_navigation():
        page.locator(".language button").click()


@pytest.mark.parametrize(("width", "locale"), [(1280, "en-GB"), (375, "nl-NL")])
def test_nano_degree_pages(
    chromium: Any, live_stack: LiveStack, ready: Ready, width: int, locale: str
) -> None:
    leiden = live_stack.platform("leiden")
    base = live_stack.tandem_url
    tag = f"{locale[:2]}-{width}"
    registrar = _page(chromium, width, locale)
    _launch(registrar, live_stack, leiden.teacher.user_id, locale[:2])
    registrar.goto(f"{base}/registrar/pathways")
    _check(registrar, f"registrar-pathways-{tag}")
    registrar.fill("#p-name", f"Global collaboration {tag}")
    registrar.fill("#p-ects", "6")
    registrar.fill("#p-outcomes", "Work in international teams.\nReason about data ethics.")
    registrar.locator("#p-electives").press("Enter")  # submits the form by keyboard
    registrar.wait_for_url("**/registrar/pathways/*")
    pathway_url = registrar.url
    partner = new_partner()
    with live_stack.session_factory() as db:  # the admin put the partner on the trusted list
        trust(db, partner)
    registrar.fill("#c-exchange", str(ready.exchange_id))
    with registrar.expect_navigation():
        registrar.locator("#c-exchange").press("Enter")
    registrar.fill("#c-issuer", partner.did)
    registrar.fill("#c-achievement", PARTNER_ACHIEVEMENT)
    with registrar.expect_navigation():
        registrar.locator("#c-achievement").press("Enter")
    assert registrar.locator('[data-testid="components"] li').count() == 2
    _check(registrar, f"registrar-pathway-{tag}")
    registrar.context.close()

    student = _page(chromium, width, locale)
    _launch(student, live_stack, leiden.students[0].user_id, locale[:2])
    student.goto(f"{base}/pathways")
    _check(student, f"student-pathways-{tag}")
    assert student.inner_text("h1") == (
        "Nanodegrees" if locale.startswith("nl") else "Nano-degrees"
    )
    with student.expect_navigation():
        student.get_by_role("link", name=f"Global collaboration {tag}").click()
    _check(student, f"student-pathway-{tag}")
    with student.expect_navigation():
        student.locator("#t-credential + button").click()
    field = student.locator("#p-text")
    field.focus()
    student.keyboard.insert_text(json.dumps(partner.issue(ready.email)))
    student.keyboard.press("Tab")
    student.keyboard.press("Enter")
    student.locator('[data-testid="claim"]').wait_for()
    _check(student, f"student-pathway-ready-{tag}")
    student.locator('[data-testid="claim"]').focus()
    student.keyboard.press("Enter")
    student.locator('[data-testid="clr-link"]').wait_for()
    _check(student, f"student-pathway-awarded-{tag}")
    student.locator('[data-testid="award-link"]').click()
    student.locator('[data-testid="verdict"]').wait_for()
    assert student.locator('[data-testid="components"] li a').count() == 1  # Tandem's links
    _check(student, f"nano-degree-{tag}")
    student.locator('[data-testid="wallet-offer"]').click()
    student.locator('[data-testid="offer-qr"] svg').wait_for()
    _check(student, f"wallet-offer-{tag}")
    link = student.locator('[data-testid="offer-link"]').get_attribute("href")
    assert link is not None
    assert link.startswith("openid-credential-offer://")
    student.context.close()
    assert pathway_url.startswith(base)
