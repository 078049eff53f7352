"""Teammate requests in chromium, by keyboard alone: a Bologna student picks a classmate from
the list, asks for a Leiden friend by teammate code, mistypes a code (the error is announced),
removes a request; on a phone the Leiden friend asks back with a code and both requests show
as mutual. Every page passes axe-core's WCAG 2.1 AA rules at 1280 px and 375 px (no sideways
scroll)."""

from __future__ import annotations

from typing import Any

import pytest

from demo.platforms import DemoUser
from plugin.actors import Actor, Role
from plugin.teammates.service import teammate_requests
from tests.browser.test_browser_matching_pages import _accessible
from tests.exchange_flow import TwoUniversityExchange, set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000


@pytest.fixture(scope="module")
def exchange(live_stack: LiveStack) -> TwoUniversityExchange:
    """Leiden owns, Bologna is approved; Leiden's student 0 and Bologna's 0 and 1 onboarded."""
    return set_up_two_university_exchange(live_stack)


def _code_of(stack: LiveStack, exchange: TwoUniversityExchange, index: int) -> str:
    """The code student ``index`` of the exchange would read out from their own page."""
    student = Actor(exchange.student_ids[index], Role.STUDENT, None)
    with stack.session_factory() as db:
        return teammate_requests(db, student, exchange.id).code


def _teammates_page(chromium: Any, stack: LiveStack, slug: str, user: DemoUser, width: int) -> Any:
    """Launch from the LMS, then follow the exchange page's link by keyboard."""
    context = chromium.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{stack.demo_url}/{slug}/launch/{user.user_id}?target=window")
    page.locator('[data-testid="teammates-link"]').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="mutual-rule"]').wait_for(timeout=WAIT)
    return page


def _enter_code(page: Any, code: str) -> None:
    page.focus("#code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")


def test_a_student_asks_by_list_and_by_code_and_removes_by_keyboard(
    chromium: Any, live_stack: LiveStack, exchange: TwoUniversityExchange
) -> None:
    bologna = live_stack.platform("bologna")
    page = _teammates_page(chromium, live_stack, "bologna", bologna.students[0], 1280)
    assert page.locator("#person_id option").count() == 2  # "(choose)" and the one classmate
    assert live_stack.platform("leiden").students[0].name not in page.content()
    _accessible(page)

    page.focus("#person_id")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator('[data-testid="teammates-notice"]').wait_for(timeout=WAIT)
    requests = page.locator('[data-testid="request"]')
    assert requests.count() == 1
    assert bologna.students[1].name in requests.first.inner_text()
    _accessible(page)

    _enter_code(page, "nope-nope-nope")
    alert = page.locator('[role="alert"]')
    alert.wait_for(timeout=WAIT)
    assert page.get_attribute("#code", "aria-invalid") == "true"
    assert page.input_value("#code") == "nope-nope-nope"
    _accessible(page)

    page.fill("#code", "")
    _enter_code(page, _code_of(live_stack, exchange, 0).lower())
    page.locator('[data-testid="teammates-notice"]').wait_for(timeout=WAIT)
    assert requests.count() == 2
    assert "Universiteit Leiden" in requests.nth(1).inner_text()
    assert page.evaluate("document.activeElement.id") == "code"
    _accessible(page)

    requests.first.locator('[data-testid="remove-request"]').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="teammates-notice"]').wait_for(timeout=WAIT)
    assert requests.count() == 1
    assert page.evaluate("document.activeElement.dataset.testid") == "remove-request"
    _accessible(page)
    page.context.close()


def test_on_a_phone_the_friend_asks_back_and_the_request_is_mutual(
    chromium: Any, live_stack: LiveStack, exchange: TwoUniversityExchange
) -> None:
    leiden = live_stack.platform("leiden")
    page = _teammates_page(chromium, live_stack, "leiden", leiden.students[0], 375)
    assert page.locator('[data-testid="asked-by-partners"]').is_visible()  # a count, no name
    assert page.locator('[data-testid="no-classmates"]').is_visible()
    _accessible(page)
    _enter_code(page, _code_of(live_stack, exchange, 1))
    state = page.locator('[data-testid="request-state"]')
    state.wait_for(timeout=WAIT)
    assert state.get_attribute("data-state") == "mutual"  # the page may be in Dutch (Leiden)
    assert page.locator('[data-testid="asked-by-partners"]').count() == 0
    _accessible(page)
    page.context.close()
