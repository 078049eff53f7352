"""In chromium: the teacher page with who never launched, and erasing a participant through
its confirmation page by keyboard alone; axe-core WCAG 2.1 AA on desktop and phone widths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_browser_launch import axe_violations
from tests.live import LiveStack
from tests.web.test_web_exchange_roster_e2e import NEVER, _partnered

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def exchange_url(live_stack: LiveStack) -> Iterator[str]:
    """Leiden owns, Bologna is approved, Bologna's roster has been read once."""
    bologna = live_stack.platform("bologna")
    bologna.services.extra_members.append({**NEVER, "name": "Noor Haddad"})
    _owner, partner, url = _partnered(live_stack)
    assert partner.post(f"{url}/roster", timeout=10).status_code == 200
    yield url
    bologna.services.extra_members.clear()


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _tab_to(page: Any, testid: str, limit: int = 80) -> None:
    """Press Tab until the element with ``data-testid`` has focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement?.dataset?.testid === '{testid}'"):
            return
    raise AssertionError(f"{testid} is not reachable by Tab")


@pytest.mark.parametrize(
    ("viewport", "student"),
    [({"width": 1280, "height": 900}, 1), ({"width": 375, "height": 700}, 2)],
)
def test_erasing_by_keyboard_through_the_confirmation_page(
    chromium: Any,
    live_stack: LiveStack,
    exchange_url: str,
    viewport: dict[str, int],
    student: int,
) -> None:
    bologna = live_stack.platform("bologna")
    person = bologna.students[student]
    context = chromium.new_context(viewport=viewport, bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live_stack.demo_url}/bologna/launch/{person.user_id}?target=window")
    page.locator('[data-testid="profile-form"]').wait_for(timeout=15000)  # now a participant

    page.goto(f"{live_stack.demo_url}/bologna/launch/{bologna.teacher.user_id}?target=window")
    page.locator('[data-testid="exchange-title"]').wait_for(timeout=15000)
    assert "Noor Haddad" in page.inner_text('[data-testid="never-launched"] >> nth=-1')
    assert axe_violations(page) == []
    _fits(page)

    link = page.locator(f'[data-testid="erase-link"][aria-label*="{person.name}"]')
    link.focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="erase-heading"]').wait_for()
    assert person.name in page.inner_text('[data-testid="erase-heading"]')
    assert axe_violations(page) == []
    _fits(page)
    _tab_to(page, "erase-confirm")
    page.keyboard.press("Enter")
    page.locator('[data-testid="exchange-title"]').wait_for()
    assert page.locator(f'[data-testid="erase-link"][aria-label*="{person.name}"]').count() == 0
    context.close()
