"""Reflow at 320 px and WCAG 1.4.12 text spacing, checked by layout (issue 15, point 7): the
availability grid shows all seven days without a sideways scroll, the participants table keeps
its actions column on screen, each attendance checkbox stays on the line of its name, and with
text spacing applied the header's language button stays on the page and closed selects keep
their text. In Dutch (Leiden) and English (Bologna), axe on each page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from plugin.actors import Actor, Role
from plugin.teams.service import create_team
from tests.browser.test_browser_launch import (
    axe_violations,
    open_from_lms,
)
from tests.browser.test_browser_room_chat import SETUP
from tests.exchange_flow import set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WIDTH = 320
WAIT = 15000
# The WCAG 1.4.12 bookmarklet's values.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-block-end: 2em !important; }
"""


@dataclass
class Exchange:
    id: int


@pytest.fixture(scope="module")
def exchange(live_stack: LiveStack) -> Exchange:
    made = set_up_two_university_exchange(live_stack, SETUP)
    teacher = Actor(made.owner_id, Role.TEACHER, None)
    with live_stack.session_factory() as db:
        create_team(db, teacher, made.id, "Rivers 1", made.student_ids)
    return Exchange(made.id)


def _as(chromium: Any, stack: LiveStack, slug: str, user_id: str, locale: str) -> Any:
    context = chromium.new_context(
        viewport={"width": WIDTH, "height": 800}, bypass_csp=True, locale=locale
    )
    page = context.new_page()
    open_from_lms(page, stack, slug, user_id)
    return page


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def _right(page: Any, selector: str) -> float:
    right: float = page.evaluate(
        """s => Math.max(...Array.from(document.querySelectorAll(s),
                                       e => e.getBoundingClientRect().right))""",
        selector,
    )
    return right


def _header_and_selects_survive_text_spacing(page: Any) -> None:
    page.add_style_tag(content=TEXT_SPACING)
    _fits(page)
    assert _right(page, ".site-header *") <= WIDTH
    cut = page.evaluate(
        """() => Array.from(document.querySelectorAll('select')).filter(s => {
             const line = parseFloat(getComputedStyle(s).fontSize) * 1.5;
             return s.getBoundingClientRect().height < line;
           }).map(s => s.id)"""
    )
    assert cut == []


@pytest.mark.parametrize(("slug", "locale"), [("leiden", "nl-NL"), ("bologna", "en-GB")])
def test_the_availability_grid_shows_every_day_at_320_px(
    chromium: Any, live_stack: LiveStack, exchange: Exchange, slug: str, locale: str
) -> None:
    student = live_stack.platform(slug).students[0]
    page = _as(chromium, live_stack, slug, student.user_id, locale)
    page.goto(f"{live_stack.tandem_url}/exchanges/{exchange.id}/profile")
    page.locator('[data-testid="profile-form"]').wait_for(timeout=WAIT)
    _fits(page)
    scroller = page.locator(".table-scroll").first
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth")  # no day hidden sideways
    assert _right(page, "table.grid input") <= WIDTH
    assert axe_violations(page) == []
    _header_and_selects_survive_text_spacing(page)
    page.context.close()


def test_teacher_tables_and_attendance_reflow_at_320_px(
    chromium: Any, live_stack: LiveStack, exchange: Exchange
) -> None:
    leiden = live_stack.platform("leiden")
    page = _as(chromium, live_stack, "leiden", leiden.teacher.user_id, "nl-NL")
    page.goto(f"{live_stack.tandem_url}/exchanges/{exchange.id}/teacher")
    page.locator('[data-testid="participant"]').first.wait_for(timeout=WAIT)
    _fits(page)
    assert _right(page, ".people td:last-child, .people th:last-child") <= WIDTH
    for scroller in page.locator(".table-scroll").all():
        assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert axe_violations(page) == []
    _header_and_selects_survive_text_spacing(page)

    page.goto(f"{live_stack.tandem_url}/exchanges/{exchange.id}/completion/students")
    labels = page.locator('[data-testid="attendance"] label')
    labels.first.wait_for(timeout=WAIT)
    for label in labels.all():
        box = label.locator("input").bounding_box()
        text = label.bounding_box()
        assert box is not None
        assert text is not None
        # The checkbox starts its name's line: never alone at the end of the line before.
        assert abs(box["y"] - text["y"]) < 12
        assert box["x"] - text["x"] < 8
    _fits(page)
    assert axe_violations(page) == []
    page.context.close()
