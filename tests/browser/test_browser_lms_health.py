"""A broken LMS registration in a real browser: the admin page's notice, the registration's
state with "Activate again" and "This registration replaces", and the teacher's grades page
that says what waits; axe-core finds nothing at 1280 and 375 px, in English and Dutch."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti.grades import queue_score, send_pending
from lti.health import BROKEN_AFTER
from lti.launch import LtiContext
from lti.platforms import PlatformSpec, add_platform
from plugin.courses.models import CourseMembership
from plugin.db import utcnow
from tests.browser.test_browser_launch import axe_violations
from tests.conftest import MakeDatabase
from tests.exchange_flow import TwoUniversityExchange, set_up_two_university_exchange
from tests.live import LiveStack, running_stack
from web.cli import cli

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")
SHOTS = os.environ.get("TANDEM_SCREENSHOTS")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, make_database: MakeDatabase
) -> Iterator[LiveStack]:
    with running_stack(
        make_database("sqlite", migrated=True), tmp_path_factory.mktemp("health")
    ) as live:
        yield live


@pytest.fixture(scope="module")
def broken(stack: LiveStack) -> TwoUniversityExchange:
    """Leiden's tool deleted in the LMS after a score was queued; three refusals later it is
    broken. A second Leiden registration (a re-registration) is there to replace it."""
    flow = set_up_two_university_exchange(stack)
    leiden = stack.platform("leiden")
    lti: LtiContext = stack.tandem.extensions["tandem.lti"]
    client = lti.client()
    with stack.session_factory() as db:
        student = flow.student_ids[0]
        course = db.scalar(
            select(CourseMembership.course_id).where(CourseMembership.person_id == student)
        )
        assert course is not None
        queue_score(db, course, student, score_given=80)
        leiden.tool_status = "deleted"
        moment = utcnow()
        for _ in range(BROKEN_AFTER):
            moment += timedelta(hours=7)
            send_pending(db, client, now=moment)
        # Its teacher can still launch (a launch needs no token); Tandem stays broken.
        leiden.tool_status = "active"
        args = leiden.registration_args(stack.tandem_url)
        args.update(client_id="NEW-CLIENT", deployment_ids=("new-deployment",))
        add_platform(db, PlatformSpec(**args), allow_http=True)
    return flow


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize(("width", "lang"), [(1280, "en"), (375, "nl")])
def test_admin_and_teacher_see_the_broken_registration(
    browser: Any, stack: LiveStack, broken: TwoUniversityExchange, width: int, lang: str
) -> None:
    context = browser.new_context(
        bypass_csp=True, viewport={"width": width, "height": 900}, locale="en-GB"
    )
    page = context.new_page()
    result = stack.tandem.test_cli_runner().invoke(cli, ["admin", "token"])
    page.goto(result.output.splitlines()[0])
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{stack.tandem_url}/admin/?lang={lang}")
    notice = page.get_by_test_id("broken-notice")
    assert notice.is_visible()
    assert page.locator('[data-state="broken"]').count() == 1
    assert page.locator('select[name="replaces"]').count() == 1  # on the newer one only
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    _shot(page, f"admin-{width}-{lang}")

    leiden = stack.platform("leiden")
    page.goto(f"{stack.demo_url}/leiden/launch/{leiden.teacher.user_id}?target=window")
    page.wait_for_url(f"{stack.tandem_url}/**")
    page.goto(f"{stack.tandem_url}/grades?lang={lang}")
    banner = page.get_by_test_id("lms-broken")
    assert banner.is_visible()
    assert "invalid_client" in banner.inner_text()
    assert axe_violations(page) == []
    _shot(page, f"grades-{width}-{lang}")
    context.close()
