"""Cookie-less launches in a real browser, and the LTI Advantage pages under axe-core.

The demo LMS serves on ``localhost`` and Tandem on ``127.0.0.1``: different sites, so Tandem
inside the LMS iframe is third-party, and Chromium runs with third-party cookies blocked.
The Brightspace-style platform offers postMessage storage and the launch lands; the
Moodle-style one does not, and Tandem shows its new-window fallback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lti.grades import queue_score, send_pending
from lti.launch import LtiContext
from plugin.courses.models import Course
from plugin.people.models import ExternalAccount
from tests.browser.test_browser_launch import ARGS, CHROMIUM, axe_violations, sync_api
from tests.conftest import MakeDatabase
from tests.live import LiveStack, running_stack
from web.cli import cli

pytestmark = pytest.mark.browser
BLOCK_THIRD_PARTY_COOKIES = "--test-third-party-cookie-phaseout"


@pytest.fixture(scope="module")
def cross_site_stack(
    tmp_path_factory: pytest.TempPathFactory, make_database: MakeDatabase
) -> Iterator[LiveStack]:
    database, instance = (
        make_database("sqlite", migrated=True),
        tmp_path_factory.mktemp("cross-site"),
    )
    with running_stack(database, instance, demo_host="localhost") as stack:
        yield stack


@pytest.fixture(scope="module")
def strict_browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*ARGS, BLOCK_THIRD_PARTY_COOKIES]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(strict_browser: Any) -> Iterator[Any]:
    context = strict_browser.new_context(bypass_csp=True, locale="en-GB", timezone_id="Asia/Tokyo")
    yield context
    context.close()


def _frame_of(page: Any, prefix: str) -> Any:
    for frame in page.frames:
        if frame.url.startswith(prefix):
            return frame
    raise AssertionError([f.url for f in page.frames])


def test_postmessage_storage_launch_lands_without_cookies(
    context: Any, cross_site_stack: LiveStack
) -> None:
    platform = cross_site_stack.platform("leiden")
    student = platform.students[0]
    page = context.new_page()
    page.goto(f"{cross_site_stack.demo_url}/leiden/course/{student.user_id}")
    tool = page.frame_locator("iframe.tool-frame")
    landed = tool.locator('[data-testid="launched"]')
    landed.wait_for(timeout=15000)

    assert student.given_name in landed.inner_text()
    assert not [c for c in context.cookies() if c["domain"] == "127.0.0.1"]  # none were kept
    frame = _frame_of(page, cross_site_stack.tandem_url)
    assert frame.url == f"{cross_site_stack.tandem_url}/lti/launch"
    assert axe_violations(frame) == []

    with page.expect_popup() as opened:
        tool.locator('[data-testid="continue-new-window"]').click()
    window = opened.value
    greeting = window.locator('[data-testid="greeting"]')
    greeting.wait_for(timeout=15000)
    assert student.given_name in greeting.inner_text()


def test_without_platform_storage_the_new_window_fallback_shows(
    context: Any, cross_site_stack: LiveStack
) -> None:
    platform = cross_site_stack.platform("bologna")
    page = context.new_page()
    page.goto(f"{cross_site_stack.demo_url}/bologna/course/{platform.students[0].user_id}")
    tool = page.frame_locator("iframe.tool-frame")
    link = tool.locator("#new-window")
    link.wait_for(state="visible", timeout=15000)

    assert "/lti/login" in (link.get_attribute("href") or "")
    assert "blocks cookies" in tool.locator("#blocked").inner_text()
    assert axe_violations(_frame_of(page, cross_site_stack.tandem_url)) == []


def _no_sideways_scroll(page: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_admin_page_is_accessible_and_fits_a_phone(
    context: Any, cross_site_stack: LiveStack
) -> None:
    result = cross_site_stack.tandem.test_cli_runner().invoke(cli, ["admin", "token"])
    page = context.new_page()
    page.goto(result.output.splitlines()[0])
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{cross_site_stack.tandem_url}/admin/")
    page.locator('[data-registration] button:has-text("Test this registration")').first.click()
    page.locator('[data-check="token"]').wait_for(timeout=15000)

    assert page.locator('[data-ok="no"]').count() == 0
    assert axe_violations(page) == []
    _no_sideways_scroll(page)


def test_grades_page_is_accessible_and_fits_a_phone(
    context: Any, cross_site_stack: LiveStack
) -> None:
    platform = cross_site_stack.platform("bologna")
    page = context.new_page()
    page.goto(
        f"{cross_site_stack.demo_url}/bologna/launch/{platform.teacher.user_id}?target=window"
    )
    page.wait_for_url(f"{cross_site_stack.tandem_url}/**")
    with cross_site_stack.session_factory() as db:
        course = db.query(Course).filter_by(external_id=platform.course.context_id).one()
        account = (
            db.query(ExternalAccount)
            .filter_by(namespace=f"lti:{platform.issuer}", subject=platform.students[0].user_id)
            .one()
        )
        queue_score(db, course.id, account.person_id, score_given=90)
        platform.services.down = True
        context_lti: LtiContext = cross_site_stack.tandem.extensions["tandem.lti"]
        send_pending(db, context_lti.client(), course_id=course.id)
        platform.services.down = False

    page.goto(f"{cross_site_stack.tandem_url}/grades")
    assert page.locator('tr[data-state="failing"]').count() == 1
    assert axe_violations(page) == []
    _no_sideways_scroll(page)
    retry = page.locator('tr[data-state="failing"] button')
    retry.focus()  # keyboard only: focus the button and press Enter
    page.keyboard.press("Enter")
    page.locator('[data-testid="send-report"]').wait_for(timeout=15000)
    assert page.locator('tr[data-state="delivered"]').count() == 1
