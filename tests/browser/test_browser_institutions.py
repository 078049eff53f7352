"""The admin's institution pages and the notice of what waits for them, and the page a teacher
gets from a registration that is not active yet: axe-clean at 1280 and 375 px, EN and NL,
usable by keyboard."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti.models import Registration
from tests.browser.test_browser_launch import axe_violations
from tests.live import LiveStack
from web.cli import cli

pytestmark = pytest.mark.browser


@pytest.fixture
def bologna_unfinished(live_stack: LiveStack) -> Iterator[int]:
    """Bologna's registration pending and its institution without a country, for one test."""
    platform = live_stack.platform("bologna")
    with live_stack.session_factory() as db:
        registration = db.scalars(
            select(Registration).where(Registration.issuer == platform.issuer)
        ).one()
        registration.status = "pending"
        registration.institution.country = None
        institution_id = registration.institution_id
        db.commit()
    yield institution_id
    with live_stack.session_factory() as db:
        registration = db.scalars(
            select(Registration).where(Registration.issuer == platform.issuer)
        ).one()
        registration.status = "active"
        registration.institution.country = "IT"
        db.commit()


@pytest.mark.parametrize(("width", "lang"), [(1280, "en"), (375, "nl")])
def test_admin_completes_an_institution_by_keyboard(
    browser: Any,
    live_stack: LiveStack,
    bologna_unfinished: int,
    width: int,
    lang: str,
    tmp_path: Path,
) -> None:
    # TANDEM_SCREENSHOTS=DIR keeps the screenshots to look at.
    SHOTS = Path(os.environ.get("TANDEM_SCREENSHOTS") or tmp_path)  # noqa: N806
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": width, "height": 800}, bypass_csp=True, locale=lang
    )
    page = context.new_page()
    link = live_stack.tandem.test_cli_runner().invoke(cli, ["admin", "token"]).output.split()[0]
    page.goto(link)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    page.select_option("#lang-select", lang)
    page.locator("form.language button").click()
    page.wait_for_load_state("load")
    notices = page.locator('[data-testid="admin-notices"]')
    notices.wait_for(timeout=10000)
    assert page.locator('[data-testid="pending-notice"]').count() == 1
    page.screenshot(path=str(SHOTS / f"admin-notices-{width}-{lang}.png"), full_page=True)
    assert axe_violations(page) == []

    page.goto(f"{live_stack.tandem_url}/admin/institutions")
    assert page.locator('[data-testid="missing"]').count() == 1
    page.screenshot(path=str(SHOTS / f"admin-institutions-{width}-{lang}.png"), full_page=True)
    assert axe_violations(page) == []

    page.goto(f"{live_stack.tandem_url}/admin/institutions/{bologna_unfinished}")
    page.screenshot(path=str(SHOTS / f"admin-institution-edit-{width}-{lang}.png"), full_page=True)
    assert axe_violations(page) == []
    page.locator("#field-country").focus()
    page.keyboard.type("Ital")  # a select answers typed letters
    page.select_option("#field-country", "IT")
    page.locator("#field-url").fill("https://www.unibo.it")
    page.locator("#field-url").press("Enter")
    page.wait_for_load_state("load")
    assert page.url.endswith("/admin/institutions")
    assert page.locator('[data-testid="missing"]').count() == 0
    assert page.locator('[role="status"]').count() >= 1
    assert axe_violations(page) == []

    teacher = live_stack.platform("bologna").teacher
    page.goto(f"{live_stack.demo_url}/bologna/launch/{teacher.user_id}?target=window")
    page.wait_for_load_state("load")
    assert page.locator('[data-reason="registration_pending"]').count() == 1
    page.screenshot(path=str(SHOTS / f"launch-pending-{width}-{lang}.png"), full_page=True)
    assert axe_violations(page) == []
    context.close()
