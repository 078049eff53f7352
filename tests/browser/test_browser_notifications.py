"""The bell in chromium: the Leiden teacher, told that Bologna asked to join, follows the bell by
keyboard, reads the notice, marks it read and saves channel choices; axe-core clean at 1280 px
and 375 px, in English and Dutch, with no sideways scroll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_launch import open_from_lms
from tests.browser.test_browser_matching_pages import _accessible
from tests.exchange_flow import TwoUniversityExchange, set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000


@pytest.fixture(scope="module")
def exchange(live_stack: LiveStack) -> TwoUniversityExchange:
    return set_up_two_university_exchange(live_stack)


@pytest.mark.parametrize(("width", "lang"), [(1280, "en"), (375, "nl")])
def test_the_teacher_follows_the_bell_reads_and_marks_read(
    chromium: Any,
    live_stack: LiveStack,
    exchange: TwoUniversityExchange,
    width: int,
    lang: str,
    tmp_path: Path,
) -> None:
    context = chromium.new_context(
        viewport={"width": width, "height": 800}, bypass_csp=True, locale=lang
    )
    page = context.new_page()
    teacher = live_stack.platform("leiden").teacher
    open_from_lms(page, live_stack, "leiden", teacher.user_id)
    page.select_option("#lang-select", lang)  # the header's language form, kept in the session
    page.locator("form.language button").click()
    page.wait_for_load_state("load")
    bell = page.locator('[data-testid="bell"]')
    bell.focus()
    page.keyboard.press("Enter")
    notices = page.locator('[data-testid="notifications"] li')
    notices.first.wait_for(timeout=WAIT)
    page.screenshot(path=str(tmp_path / f"notifications-{width}-{lang}.png"), full_page=True)
    joined = page.locator('[data-kind="join_requested"]')
    assert joined.count() >= 1
    _accessible(page)

    mark_all = "Mark all as read" if lang == "en" else "Alles als gelezen markeren"
    page.get_by_role("button", name=mark_all).click()
    page.locator('[role="status"]').wait_for(timeout=WAIT)
    assert page.locator(".notification.unread").count() == 0
    assert page.locator('[data-testid="bell"] .count').count() == 0
    _accessible(page)
    context.close()
