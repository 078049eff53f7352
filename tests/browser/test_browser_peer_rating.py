"""The peer rating flow in chromium at phone width (375 px), by keyboard alone, in Dutch (a
Leiden student, whose LMS speaks Dutch) and English (a Bologna student): from the check-in
page to the round, every teammate a fieldset with a legend, every dimension a radio group with
its anchors; the ratings and the confidential comment are stored. axe-core clean on each
page, no sideways scroll. Screenshots go to $TANDEM_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from plugin.actors import Actor, Role
from plugin.checkins.models import CheckinAnswer
from plugin.exchanges.models import Exchange
from plugin.peer.factors import DIMENSIONS
from plugin.peer.models import PeerRating, PeerSubmission
from plugin.peer.service import open_round
from plugin.teams.service import create_team
from tests.browser.test_browser_launch import open_from_lms
from tests.browser.test_browser_matching_pages import _accessible
from tests.exchange_flow import TwoUniversityExchange, set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000


@pytest.fixture(scope="module")
def exchange(live_stack: LiveStack) -> tuple[TwoUniversityExchange, int]:
    """Three students (one Leiden, two Bologna) in one team, and an open round."""
    flow = set_up_two_university_exchange(live_stack)
    teacher = Actor(flow.owner_id, Role.TEACHER, None)
    now = datetime.now(UTC)
    with live_stack.session_factory() as db:
        # Running now, without phases: check-ins are open this week (the default schedule).
        row = db.get_one(Exchange, flow.id)
        row.starts_on, row.ends_on, row.phases = (
            now.date() - timedelta(days=7),
            now.date() + timedelta(days=30),
            [],
        )
        db.commit()
        create_team(db, teacher, flow.id, "Delta", flow.student_ids)
        peer_round = open_round(
            db, teacher, flow.id, "Mid-point", now - timedelta(hours=1), now + timedelta(days=2)
        )
        return flow, peer_round.id


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("TANDEM_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _rate_by_keyboard(
    chromium: Any, stack: LiveStack, flow: TwoUniversityExchange, slug: str, index: int
) -> Any:
    platform = stack.platform(slug)
    student = next(s for p, s, _ in flow.students if p.slug == slug)
    context = chromium.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    page = context.new_page()
    open_from_lms(page, stack, slug, student.user_id)
    page.goto(f"{stack.tandem_url}/exchanges/{flow.id}/checkin")
    _accessible(page)
    page.locator('[data-testid="round-link"]').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="rate-submit"]').wait_for(timeout=WAIT)
    _accessible(page)
    _shot(page, f"rate-{slug}")
    teammates = page.locator('[data-testid="teammate"]')
    assert teammates.count() == 3
    assert page.locator("fieldset.teammate > legend").count() == 3
    assert page.locator("fieldset.dimension > legend").count() == 15
    # Keyboard only: Tab into each radio group, Space picks 1, each ArrowDown one higher.
    page.locator("input[type=radio]").first.focus()
    for group in range(3 * len(DIMENSIONS)):
        if group:
            page.keyboard.press("Tab")
        page.keyboard.press("Space")
        for _ in range((group + index) % 5):
            page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "comment"
    page.keyboard.type(f"Confidential from {slug}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "rate-submit"
    page.keyboard.press("Enter")
    page.locator('[data-testid="submitted"]').wait_for(timeout=WAIT)
    _accessible(page)
    _shot(page, f"rated-{slug}")
    assert platform.slug == slug
    return page


def _stored(stack: LiveStack, round_id: int, person_id: int) -> tuple[list[tuple[int, ...]], str]:
    with stack.session_factory() as db:
        rows = db.scalars(
            select(PeerRating)
            .where(PeerRating.round_id == round_id, PeerRating.rater_id == person_id)
            .order_by(PeerRating.ratee_id)
        ).all()
        submission = db.scalar(
            select(PeerSubmission).where(
                PeerSubmission.round_id == round_id, PeerSubmission.rater_id == person_id
            )
        )
        assert submission is not None
        return [
            (r.contributing, r.interacting, r.on_track, r.quality, r.knowledge) for r in rows
        ], submission.comment or ""


def test_a_leiden_student_rates_the_team_by_keyboard_in_dutch(
    chromium: Any, live_stack: LiveStack, exchange: tuple[TwoUniversityExchange, int]
) -> None:
    flow, round_id = exchange
    page = _rate_by_keyboard(chromium, live_stack, flow, "leiden", 0)
    assert page.evaluate("document.documentElement.lang").startswith("nl")
    assert "Bijdragen aan het werk van het team" in page.content()
    ratings, comment = _stored(live_stack, round_id, flow.student_ids[0])
    assert len(ratings) == 3
    chosen = sorted(value for scores in ratings for value in scores)
    assert chosen == sorted(1 + g % 5 for g in range(15))
    assert comment == "Confidential from leiden"
    page.context.close()


def test_a_bologna_student_rates_the_team_by_keyboard_in_english(
    chromium: Any, live_stack: LiveStack, exchange: tuple[TwoUniversityExchange, int]
) -> None:
    flow, round_id = exchange
    page = _rate_by_keyboard(chromium, live_stack, flow, "bologna", 2)
    assert "Contributing to the team's work" in page.content()
    ratings, _ = _stored(live_stack, round_id, flow.student_ids[1])
    assert sorted(v for scores in ratings for v in scores) == sorted(
        1 + (g + 2) % 5 for g in range(15)
    )
    page.context.close()


def test_the_teacher_closes_the_round_and_reads_results_on_a_phone(
    chromium: Any, live_stack: LiveStack, exchange: tuple[TwoUniversityExchange, int]
) -> None:
    """After both students rated: the Leiden teacher's page (Dutch), closing by keyboard, the
    results with their own student by name and the partner's students as a count."""
    flow, _round_id = exchange
    teacher = live_stack.platform("leiden").teacher
    context = chromium.new_context(
        viewport={"width": 375, "height": 800}, bypass_csp=True, timezone_id="Europe/Amsterdam"
    )
    page = context.new_page()
    open_from_lms(page, live_stack, "leiden", teacher.user_id)
    page.goto(f"{live_stack.tandem_url}/exchanges/{flow.id}/teacher")
    page.locator('[data-testid="teamwork-link"]').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="round"]').wait_for(timeout=WAIT)
    _accessible(page)
    _shot(page, "teacher-leiden")
    page.locator('[data-testid="round"] button').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="team-result"]').wait_for(timeout=WAIT)
    _accessible(page)
    _shot(page, "results-leiden")
    leiden_student = live_stack.platform("leiden").students[0]
    assert page.locator('[data-testid="member-result"]').count() == 1
    assert leiden_student.name in page.locator('[data-testid="member-result"]').inner_text()
    assert page.locator('[data-testid="hidden-members"]').is_visible()
    for _platform, student, _http in flow.students[1:]:
        assert student.name not in page.content()
    assert "Confidential from bologna" not in page.content()
    assert "Confidential from leiden" in page.content()
    page.context.close()


def test_a_student_checks_in_by_keyboard_on_a_phone(
    chromium: Any, live_stack: LiveStack, exchange: tuple[TwoUniversityExchange, int]
) -> None:
    """From the exchange page's prompt to the three questions; answering again replaces."""
    flow, _round_id = exchange
    student = live_stack.platform("bologna").students[0]
    context = chromium.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    page = context.new_page()
    open_from_lms(page, live_stack, "bologna", student.user_id)
    page.goto(f"{live_stack.tandem_url}/exchanges/{flow.id}")
    page.locator('[data-testid="checkin-link"]').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="checkin-submit"]').wait_for(timeout=WAIT)
    _accessible(page)
    _shot(page, "checkin-bologna")
    for answer in (1, 2, 4):  # Space picks 1, each ArrowDown one higher
        page.keyboard.press("Tab") if answer != 1 else page.locator(
            "input[name=teamwork]"
        ).first.focus()
        page.keyboard.press("Space")
        for _ in range(answer - 1):
            page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("We have not met yet.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator('[data-testid="answered"]').wait_for(timeout=WAIT)
    _accessible(page)
    _shot(page, "checked-in-bologna")
    with live_stack.session_factory() as db:
        rows = db.scalars(
            select(CheckinAnswer).where(CheckinAnswer.person_id == flow.student_ids[1])
        ).all()
        assert [(r.teamwork, r.contribute, r.blockers, r.comment) for r in rows] == [
            (1, 2, 4, "We have not met yet.")
        ]
    page.context.close()


@pytest.mark.parametrize(
    ("locale", "label", "five"),
    [
        ("en-GB", "Teamwork: Choose a number from 1 to 5.", "5 kinds of teamwork"),
        ("nl-NL", "Samenwerking: Kies een getal van 1 tot 5.", "5 soorten samenwerking"),
    ],
)
def test_forms_sent_empty_by_keyboard_show_each_error_beside_its_question(
    chromium: Any,
    live_stack: LiveStack,
    exchange: tuple[TwoUniversityExchange, int],
    locale: str,
    label: str,
    five: str,
) -> None:
    """The page's own messages, not the browser's bubbles (the forms are novalidate): the
    summary is focused and says which question or whose ratings; its first link leads the
    keyboard to the first radio of that group; what was typed stays."""
    flow, _round_id = exchange
    student = [s for p, s, _ in flow.students if p.slug == "bologna"][1]  # rates nothing else
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, bypass_csp=True, locale=locale
    )
    page = context.new_page()
    open_from_lms(page, live_stack, "bologna", student.user_id)
    page.goto(f"{live_stack.tandem_url}/exchanges/{flow.id}/checkin")
    page.focus("#comment")
    page.keyboard.type("Kept as typed")
    page.focus('[data-testid="checkin-submit"]')
    page.keyboard.press("Enter")
    summary = page.locator('[data-testid="form-error"]')
    summary.wait_for(timeout=WAIT)
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "form-error"
    assert summary.locator("a").count() == 3
    assert summary.locator("a").first.inner_text() == label
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "teamwork"
    radio = page.locator("#teamwork")
    assert radio.get_attribute("aria-invalid") == "true"
    assert (radio.get_attribute("aria-describedby") or "").split() == [
        "teamwork-hint",
        "teamwork-error",
    ]
    assert page.input_value("#comment") == "Kept as typed"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _accessible(page)
    _shot(page, f"checkin-empty-{locale}")

    # A round of its own: the module's first may be closed by the time this runs.
    now = datetime.now(UTC)
    with live_stack.session_factory() as db:
        teacher = Actor(flow.owner_id, Role.TEACHER, None)
        later = open_round(
            db, teacher, flow.id, f"Late {locale}", now - timedelta(hours=1), now + timedelta(1)
        )
    page.goto(f"{live_stack.tandem_url}/peer/rounds/{later.id}")
    page.focus('[data-testid="rate-submit"]')
    page.keyboard.press("Enter")
    summary.wait_for(timeout=WAIT)
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "form-error"
    lines = summary.locator("a")
    assert lines.count() == 3  # one per person, not fifteen
    assert all(five in lines.nth(i).inner_text() for i in range(3))
    assert page.locator("input[type=radio][aria-invalid=true]").count() == 15 * 5
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    first = page.locator("input[type=radio]").first
    assert page.evaluate("document.activeElement.id") == first.get_attribute("id")
    _accessible(page)
    _shot(page, f"rate-empty-{locale}")
    context.close()
