"""In chromium, at 1280 and 375 px: the student's completion page, the teacher's sign-off page,
the registrar console, the public credential page and the verify page pass axe-core's WCAG 2.1
AA rules, scroll no sideways, and the verify form works by keyboard alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from plugin.people.models import Person
from tests.browser.test_browser_launch import (
    axe_violations,
    open_from_lms,
)
from tests.live import LiveStack
from tests.web.test_web_credentials_e2e import complete_and_sign_off, set_up_exchange

pytestmark = pytest.mark.browser
VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 375, "height": 700}]


@dataclass(frozen=True)
class Issued:
    exchange_id: int
    credential_id: str


@pytest.fixture(scope="module")
def issued(live_stack: LiveStack) -> Issued:
    """Over HTTP: an exchange, a signed-off student with a credential, Leiden's registrar."""
    exchange = set_up_exchange(live_stack)
    credential_id = complete_and_sign_off(live_stack, exchange)
    with live_stack.session_factory() as db:
        institution_id = db.scalar(
            select(Person.institution_id).where(Person.id == exchange.teacher_id)
        )
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
    return Issued(exchange.id, credential_id)


def _page(chromium: Any, viewport: dict[str, int]) -> Any:
    context = chromium.new_context(
        viewport=viewport, bypass_csp=True, locale="en-GB", timezone_id="Europe/Rome"
    )
    return context.new_page()


def _check(page: Any, url: str) -> None:
    page.goto(url)  # waits for the load event
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == [], url
    _fits(page)


def _fits(page: Any) -> None:
    """No sideways scroll; on failure, name the elements that stick out."""
    width = page.viewport_size["width"]
    wide = page.evaluate(
        """(w) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w
                || (e.scrollWidth > e.clientWidth + 1
                    && getComputedStyle(e).overflowX === 'visible'))
            .map(e => e.tagName + '.' + e.className).slice(0, 8)""",
        width,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide


def _launch(page: Any, stack: LiveStack, slug: str, user_id: str) -> None:
    open_from_lms(page, stack, slug, user_id)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_completion_and_registrar_pages_are_accessible(
    chromium: Any, live_stack: LiveStack, issued: Issued, viewport: dict[str, int]
) -> None:
    leiden = live_stack.platform("leiden")
    base = live_stack.tandem_url
    student = _page(chromium, viewport)
    _launch(student, live_stack, "leiden", leiden.students[0].user_id)
    _check(student, f"{base}/exchanges/{issued.exchange_id}/completion")
    assert student.locator('[data-testid="my-credential"]').count() == 1
    student.context.close()

    teacher = _page(chromium, viewport)
    _launch(teacher, live_stack, "leiden", leiden.teacher.user_id)
    _check(teacher, f"{base}/exchanges/{issued.exchange_id}/completion/students")
    teacher.locator("details summary").first.click()  # the override form, opened
    assert axe_violations(teacher) == []
    _check(teacher, f"{base}/registrar")
    assert teacher.locator(f'[data-credential="{issued.credential_id}"]').count() == 1
    teacher.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_public_credential_and_verify_pages_are_accessible(
    chromium: Any, live_stack: LiveStack, issued: Issued, viewport: dict[str, int], tmp_path: Path
) -> None:
    base = live_stack.tandem_url
    page = _page(chromium, viewport)  # a third party: no LMS, no sign-in
    _check(page, f"{base}/credentials/{issued.credential_id}")
    assert page.locator('[data-testid="verdict"].ok').count() == 1
    # Labels take at most about a third of the facts' width (they once took ~70%).
    label, whole = page.evaluate(
        """() => { const dl = document.querySelector('dl.facts');
          const dts = [...dl.querySelectorAll('dt')].map(d => d.getBoundingClientRect().width);
          return [Math.max(...dts), dl.getBoundingClientRect().width]; }"""
    )
    assert label <= whole * 0.4 or viewport["width"] < 500, (label, whole)
    page.screenshot(path=tmp_path / "credential.png", full_page=True)
    _check(page, f"{base}/verify")
    # The text area fills the form instead of its ~190 px default.
    area, form = page.evaluate(
        """() => [document.querySelector('textarea').getBoundingClientRect().width,
                  document.querySelector('form.stack').getBoundingClientRect().width]"""
    )
    assert area >= form * 0.95, (area, form)
    document = requests.get(
        f"{base}/credentials/{issued.credential_id}",
        headers={"Accept": "application/ld+json"},
        timeout=10,
    ).json()
    # Keyboard only: focus the text area, paste, tab to the button and press Enter.
    field = page.locator("textarea")
    field.focus()
    page.keyboard.insert_text(json.dumps(document))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator('[data-testid="verdict"]').wait_for(timeout=15000)
    assert page.locator('[data-testid="verdict"].ok').count() == 1
    assert axe_violations(page) == []
    _fits(page)
    page.screenshot(path=tmp_path / "verify.png", full_page=True)
    page.context.close()


def test_erasing_a_credential_holder_by_keyboard_in_dutch_then_the_public_page(
    chromium: Any, live_stack: LiveStack, issued: Issued, tmp_path: Path
) -> None:
    """Last in this module: it erases the holder. The erase page offers the credential's
    download before the confirmation; afterwards the public page says the holder's data was
    erased. Both pass axe at 375 px in Dutch, and the erase page at 1280 px in English."""
    leiden = live_stack.platform("leiden")
    base = live_stack.tandem_url
    wide = _page(chromium, VIEWPORTS[0])
    _launch(wide, live_stack, "leiden", leiden.students[0].user_id)
    _check(wide, f"{base}/me/erase")
    assert wide.locator('[data-testid="erase-credential-json"]').count() == 1
    wide.context.close()

    context = chromium.new_context(
        viewport={"width": 375, "height": 700}, bypass_csp=True, locale="nl-NL"
    )
    phone = context.new_page()
    _launch(phone, live_stack, "leiden", leiden.students[0].user_id)
    _check(phone, f"{base}/me/erase")
    assert "Download eerst je credentials" in phone.inner_text("main")
    phone.screenshot(path=tmp_path / "erase-nl.png", full_page=True)
    # Keyboard alone: the download link comes before the confirmation button.
    order = []
    for _ in range(60):
        phone.keyboard.press("Tab")
        testid = phone.evaluate("document.activeElement?.dataset?.testid || ''")
        if testid in ("erase-credential-json", "erase-me-confirm"):
            order.append(testid)
        if testid == "erase-me-confirm":
            break
    assert order == ["erase-credential-json", "erase-me-confirm"], order
    phone.keyboard.press("Enter")
    phone.locator('[data-testid="erased"]').wait_for()

    answer = phone.goto(f"{base}/credentials/{issued.credential_id}")
    assert answer is not None
    assert answer.status == 410
    phone.locator('[data-testid="holder-erased"]').wait_for()
    assert phone.locator("h1").count() == 1
    assert axe_violations(phone) == []
    _fits(phone)
    phone.screenshot(path=tmp_path / "holder-erased-nl.png", full_page=True)
    print("screenshots in", tmp_path)
    context.close()
