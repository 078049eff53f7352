"""The shared notes in chromium: a Leiden and a Bologna student, launched through the demo
LMS, type into the notes at the same moment and end with the same text, each one's words
whole; text typed offline arrives after reconnecting; a late joiner and a reload get the
whole text from the server; the teacher reads live but cannot type; the page passes axe."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_browser_launch import axe_violations, open_from_lms
from tests.browser.test_browser_room_chat import (  # noqa: F401 - module fixtures, reused
    WAIT,
    Team,
    _open_room,
    team,
)
from tests.live import LiveStack

pytestmark = pytest.mark.browser

NOTE = "#note-input"


def _converged(pages: list[Any], *parts: str) -> str:
    """Wait until every page shows the same note containing every part; return it."""
    for page in pages:
        page.wait_for_function(
            "parts => parts.every(p => document.querySelector('#note-input').value.includes(p))",
            arg=list(parts),
            timeout=WAIT,
        )
    values: set[str] = {page.input_value(NOTE) for page in pages}
    assert len(values) == 1, values
    return values.pop()


def test_two_students_co_edit_the_notes_at_once_and_converge(
    chromium: Any,
    live_stack: LiveStack,
    team: Team,  # noqa: F811
) -> None:
    anna = _open_room(chromium, live_stack, "leiden", team.leiden, team)
    bea = _open_room(chromium, live_stack, "bologna", team.bologna, team)
    anna.click(NOTE)
    anna.keyboard.type("Agenda\n")
    _converged([anna, bea], "Agenda\n")

    # Anna writes at the end while Bea writes at the start, keystrokes interleaved, neither
    # waiting for the other: remote changes land while each is typing.
    bea.click(NOTE)
    bea.keyboard.press("Control+Home")
    anna.keyboard.press("Control+End")
    leiden, bologna = "Leiden: survey the river banks. ", "Bologna: map the canals! "
    for i in range(max(len(leiden), len(bologna)) // 3 + 1):
        anna.keyboard.type(leiden[i * 3 : i * 3 + 3])
        bea.keyboard.type(bologna[i * 3 : i * 3 + 3])
    text = _converged([anna, bea], leiden, bologna, "Agenda\n")
    assert text == bologna + "Agenda\n" + leiden  # each one's words whole, in place

    # Bea loses the network and keeps typing; Anna edits meanwhile; both merge on return.
    bea.context.set_offline(True)
    bea.locator('[data-testid="status"]', has_text="Offline").wait_for(timeout=WAIT)
    bea.keyboard.type("(offline idea) ")
    anna.keyboard.type("Deadline Friday.")
    bea.context.set_offline(False)
    _converged([anna, bea], "(offline idea) ", "Deadline Friday.")

    # A teammate opening the room now, and Anna after a reload, get it all from the server.
    late = _open_room(chromium, live_stack, "bologna", team.late, team)
    anna.reload()
    final = _converged([anna, bea, late], "(offline idea) ", "Deadline Friday.", leiden)
    assert late.input_value(NOTE) == final
    for page in (anna, bea, late):
        page.context.close()


def test_the_teacher_reads_the_notes_live_but_cannot_type_and_the_page_passes_axe(
    chromium: Any,
    live_stack: LiveStack,
    team: Team,  # noqa: F811
) -> None:
    leiden = live_stack.platform("leiden")
    context = chromium.new_context(bypass_csp=True)
    teacher = context.new_page()
    open_from_lms(teacher, live_stack, "leiden", leiden.teacher.user_id)
    teacher.goto(f"{live_stack.tandem_url}/teams/{team.team_id}/room")
    teacher.locator('[data-testid="observer"]').wait_for(timeout=WAIT)
    anna = _open_room(chromium, live_stack, "leiden", team.leiden, team)
    anna.click(NOTE)
    anna.keyboard.press("Control+End")
    anna.keyboard.type(" Seen by the teacher.")
    _converged([anna, teacher], "Seen by the teacher.")
    before = teacher.input_value(NOTE)
    teacher.click(NOTE)
    teacher.keyboard.type("teacher was here")
    assert teacher.input_value(NOTE) == before
    assert anna.input_value(NOTE) == before
    for page in (anna, teacher):
        assert axe_violations(page) == []
        page.context.close()
