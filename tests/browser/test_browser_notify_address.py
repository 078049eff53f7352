"""A Leiden student, at 375 px and in Dutch, types a wrong and then a right address into 'E-mail
voor meldingen' by keyboard; the error is announced and tied to the field, the pending address
shown; opens the confirmation link (a page that asks) and confirms by keyboard; axe-core clean
with no sideways scroll at each step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from plugin.notifications.models import NotifyAddress
from tests.browser.test_browser_launch import open_from_lms
from tests.browser.test_browser_matching_pages import _accessible
from tests.live import LiveStack
from web.pages.notifications import address_token

pytestmark = pytest.mark.browser

WAIT = 15000


def test_a_student_chooses_an_address_for_notifications_in_dutch_at_375px(
    chromium: Any, live_stack: LiveStack, tmp_path: Path
) -> None:
    context = chromium.new_context(
        viewport={"width": 375, "height": 800}, bypass_csp=True, locale="nl"
    )
    page = context.new_page()
    student = live_stack.platform("leiden").students[-1]
    open_from_lms(page, live_stack, "leiden", student.user_id)
    page.select_option("#lang-select", "nl")
    page.locator("form.language button").click()
    page.wait_for_load_state("load")
    page.goto(f"{live_stack.tandem_url}/notifications")
    page.get_by_role("heading", name="E-mail voor meldingen").wait_for(timeout=WAIT)
    _accessible(page)

    field = page.get_by_label("Nieuw e-mailadres")
    field.focus()
    page.keyboard.type("geen adres")
    page.keyboard.press("Enter")
    page.locator('[role="alert"]').wait_for(timeout=WAIT)
    assert "Dit is geen e-mailadres: geen adres" in page.locator("#address-error").inner_text()
    assert field.get_attribute("aria-invalid") == "true"
    assert "address-error" in (field.get_attribute("aria-describedby") or "")
    page.screenshot(path=str(tmp_path / "address-error-375-nl.png"), full_page=True)
    _accessible(page)

    field.fill("")
    field.focus()
    page.keyboard.type("student@thuis.example")
    page.keyboard.press("Enter")
    page.locator('[data-testid="notify-pending"]').wait_for(timeout=WAIT)
    assert "We stuurden een bevestigingslink naar student@thuis.example" in page.content()
    page.screenshot(path=str(tmp_path / "address-pending-375-nl.png"), full_page=True)
    _accessible(page)

    # The emailed link (its delivery is tested against aiosmtpd in tests/web): it asks first.
    session = live_stack.session_factory()
    person_id = session.scalar(
        select(NotifyAddress.person_id).where(NotifyAddress.pending == "student@thuis.example")
    )
    session.close()
    assert person_id is not None
    with live_stack.tandem.test_request_context():
        token = address_token(person_id, "student@thuis.example")
    page.goto(f"{live_stack.tandem_url}/notifications/address/confirm/{token}")
    _accessible(page)
    page.get_by_role("button", name="Dit adres bevestigen").focus()
    page.keyboard.press("Enter")
    page.locator('[role="status"]').wait_for(timeout=WAIT)
    assert "Tandem stuurt je meldingen nu naar student@thuis.example" in page.content()
    page.screenshot(path=str(tmp_path / "address-confirmed-375-nl.png"), full_page=True)
    _accessible(page)
    page.goto(f"{live_stack.tandem_url}/notifications")
    assert "je eigen adres" in page.locator('[data-testid="notify-address"]').inner_text()
    _accessible(page)
    context.close()
