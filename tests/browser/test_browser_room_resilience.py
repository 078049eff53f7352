"""The team room survives a bad connection, in chromium (issue 15, points 1 and 2).

The stack's connect tokens last three seconds (``TANDEM_ROOM_TOKEN_SECONDS`` in production), so
cutting the network for longer than that is the "offline for more than 15 minutes" case: the
room must come back by itself with a fresh token from the page's session, send the line typed
while offline exactly once (kept across a reload too), tell the person when a line can never
go and give its text back, and announce only what is new: the history is not read out on load
or again after a reconnect, "offline" is said once, and deleting your own line shows at once;
a server too busy to take the connection is waited out, and the student is told so.
Leiden's LMS asks for Dutch; Bologna's students get their browser's language (English or Dutch).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from plugin.actors import Actor, Role
from plugin.teams.service import create_team
from realtime import tokens
from realtime.state import EXTENSION
from tests.browser.test_browser_launch import (
    axe_violations,
    open_from_lms,
)
from tests.browser.test_browser_room_chat import SETUP, Team
from tests.exchange_flow import set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000
BACK = 40000  # the client's backoff (at most 10 s, with jitter) plus a fresh token
TOKEN_SECONDS = 3

# Records what a screen reader would be told: every chat line added inside the role=log
# region, and every text the status line is given.
WATCH = """
window.__announced = []; window.__statuses = [];
// Observer callbacks run later: what the role attribute was when a record happened is the
// oldValue of the next role change in the batch, or else its value now.
function roleAt(records, i, el) {
  for (var j = i + 1; j < records.length; j++) {
    var r = records[j];
    if (r.type === 'attributes' && r.target === el && r.attributeName === 'role') {
      return r.oldValue;
    }
  }
  return el.getAttribute('role');
}
new MutationObserver(function (records) {
  records.forEach(function (r, i) {
    r.addedNodes.forEach(function (n) {
      if (n.nodeType !== 1 || !n.matches('li.message')) { return; }
      var log = n.closest('#messages-scroll');
      if (log && roleAt(records, i, log) === 'log') {
        window.__announced.push(n.querySelector('.message-body').textContent);
      }
    });
    if (r.type === 'childList' && r.target.id === 'room-status' && r.addedNodes.length) {
      window.__statuses.push(r.addedNodes[0].textContent);
    }
  });
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeOldValue: true, attributeFilter: ['role']});
"""


@pytest.fixture(scope="module")
def team(live_stack: LiveStack) -> Team:
    live_stack.tandem.extensions[EXTENSION].token_seconds = TOKEN_SECONDS
    leiden, bologna = live_stack.platform("leiden"), live_stack.platform("bologna")
    exchange = set_up_two_university_exchange(live_stack, SETUP)
    teacher = Actor(exchange.owner_id, Role.TEACHER, None)
    with live_stack.session_factory() as db:
        made = create_team(db, teacher, exchange.id, "Rivers 1", exchange.student_ids)
    return Team(exchange.id, made.id, leiden.students[0], bologna.students[0], bologna.students[1])


def _open(chromium: Any, stack: LiveStack, slug: str, user: Any, team: Team, locale: str) -> Any:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, locale=locale
    )
    context.add_init_script(WATCH)
    page = context.new_page()
    open_from_lms(page, stack, slug, user.user_id)
    page.goto(f"{stack.tandem_url}/teams/{team.team_id}/room")
    _connected(page)
    return page


def _connected(page: Any, timeout: int = WAIT) -> None:
    page.locator('[data-testid="members"] .online').first.wait_for(timeout=timeout)
    page.locator("#room-status", has_text="Connected.").or_(
        page.locator("#room-status", has_text="Verbonden.")
    ).wait_for(timeout=timeout)


def _line(page: Any, text: str) -> Any:
    return page.locator('[data-testid="messages"] .message-body', has_text=text)


def _send(page: Any, text: str) -> None:
    page.fill("#message-input", text)
    page.press("#message-input", "Enter")


def _announced(page: Any) -> list[str]:
    found: list[str] = page.evaluate("window.__announced")
    return found


def test_the_room_comes_back_after_an_outage_longer_than_the_token_and_sends_once(
    chromium: Any, live_stack: LiveStack, team: Team
) -> None:
    anna = _open(chromium, live_stack, "leiden", team.leiden, team, "en-GB")
    _send(anna, "History before Bea came")
    _line(anna, "History before Bea came").wait_for(timeout=WAIT)
    bea = _open(chromium, live_stack, "bologna", team.bologna, team, "nl-NL")
    _line(bea, "History before Bea came").wait_for(timeout=WAIT)
    assert bea.locator('[data-testid="log"]').get_attribute("role") == "log"
    assert _announced(bea) == []  # the history is there, not read out
    assert axe_violations(bea) == []

    _send(anna, "Said while Bea listens")
    _line(bea, "Said while Bea listens").wait_for(timeout=WAIT)
    assert _announced(bea) == ["Said while Bea listens"]

    # The network goes for longer than any token Bea's page holds.
    bea.context.set_offline(True)
    bea.locator("#room-status", has_text="Offline: opnieuw verbinden…").wait_for(timeout=WAIT)
    reconnect = bea.locator('[data-testid="reconnect-now"]')
    assert reconnect.is_visible()
    assert reconnect.inner_text() == "Nu opnieuw verbinden"
    _send(bea, "Getypt zonder netwerk")
    bea.locator('[data-testid="outbox"]', has_text="Getypt zonder netwerk").wait_for(timeout=WAIT)
    assert "Getypt zonder netwerk" in bea.evaluate("JSON.stringify(localStorage)")
    assert _line(bea, "Getypt zonder netwerk").count() == 0  # not in the log as if said
    # The newest token the page holds was minted at most half its life (the refresh) before
    # the network went, and is refused once a whole second more than its life has passed.
    time.sleep(TOKEN_SECONDS + 2)

    # Back by itself: its token is refused, so it asks for a fresh one; the line goes once,
    # nothing old is read out again.
    with bea.expect_request(lambda r: r.url.endswith("/room/token"), timeout=BACK):
        bea.context.set_offline(False)
    _connected(bea, timeout=BACK)
    _line(anna, "Getypt zonder netwerk").wait_for(timeout=WAIT)
    _line(bea, "Getypt zonder netwerk").wait_for(timeout=WAIT)
    bea.locator('[data-testid="outbox"]').wait_for(state="hidden", timeout=WAIT)
    assert "Getypt zonder netwerk" not in bea.evaluate("JSON.stringify(localStorage)")
    time.sleep(2)  # a second send would have arrived by now
    assert _line(anna, "Getypt zonder netwerk").count() == 1
    assert _line(bea, "Getypt zonder netwerk").count() == 1
    announced = _announced(bea)
    assert announced.count("History before Bea came") == 0
    assert announced.count("Said while Bea listens") == 1
    statuses: list[str] = bea.evaluate("window.__statuses")
    assert statuses.count("Offline: opnieuw verbinden…") == 1, statuses
    assert not reconnect.is_visible()

    # Deleting your own line: asked first, then shown on your own screen at once.
    mine = bea.locator('[data-testid="messages"] li.mine', has_text="Getypt zonder netwerk")
    bea.once("dialog", lambda dialog: dialog.dismiss())
    mine.get_by_role("button", name="Verwijderen").click()
    time.sleep(1)
    assert _line(bea, "Getypt zonder netwerk").count() == 1  # dismissed: still there
    bea.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Verwijderen").click()
    _line(bea, "Getypt zonder netwerk").wait_for(state="detached", timeout=WAIT)
    _line(anna, "Getypt zonder netwerk").wait_for(state="detached", timeout=WAIT)
    assert axe_violations(bea) == []
    for page in (anna, bea):
        page.context.close()


def test_a_line_typed_offline_survives_a_reload_and_reconnect_now_sends_it(
    chromium: Any, live_stack: LiveStack, team: Team
) -> None:
    anna = _open(chromium, live_stack, "leiden", team.leiden, team, "nl-NL")
    page = _open(chromium, live_stack, "bologna", team.late, team, "en-GB")
    page.context.set_offline(True)
    page.locator("#room-status", has_text="Offline: reconnecting…").wait_for(timeout=WAIT)
    _send(page, "Kept across a reload")
    page.locator('[data-testid="outbox"]', has_text="Kept across a reload").wait_for(timeout=WAIT)
    page.fill("#message-input", "Half a thought, not sent")  # typed, Send not pressed

    # The page comes back but the socket cannot (yet): the outbox is still there.
    page.route("**/socket.io/**", lambda route: route.abort())
    page.context.set_offline(False)
    page.reload()
    page.locator('[data-testid="outbox"]', has_text="Kept across a reload").wait_for(timeout=WAIT)
    page.locator('[data-testid="reconnect-now"]').wait_for(timeout=WAIT)
    assert page.input_value("#message-input") == "Half a thought, not sent"
    assert axe_violations(page) == []
    time.sleep(TOKEN_SECONDS + 1)  # the token the page came with is stale now
    # "Reconnect now" asks for a fresh token and tries at once, not at the next backoff step.
    with page.expect_request(lambda r: r.url.endswith("/room/token"), timeout=3000):
        page.locator('[data-testid="reconnect-now"]').click()
    page.unroute("**/socket.io/**")
    _connected(page, timeout=BACK)
    _line(anna, "Kept across a reload").wait_for(timeout=WAIT)
    time.sleep(2)
    assert _line(anna, "Kept across a reload").count() == 1
    assert page.locator('[data-testid="outbox"]').is_hidden()
    for p in (anna, page):
        p.context.close()


def test_a_line_that_can_never_go_is_given_back_with_a_reason(
    chromium: Any, live_stack: LiveStack, team: Team
) -> None:
    page = _open(chromium, live_stack, "leiden", team.leiden, team, "en-GB")  # Dutch by the LMS
    # A line left in the outbox that the server refuses (longer than a message may be).
    page.evaluate(
        """key => localStorage.setItem(key, JSON.stringify([["too-long-1", "x".repeat(4001)]]))""",
        "tandem.outbox."
        + page.evaluate(
            "JSON.parse(document.getElementById('room-config').textContent).outbox_key"
        ),
    )
    page.reload()
    _connected(page)
    page.locator("#send-error", has_text="Je tekst staat weer in het berichtvak.").wait_for(
        timeout=WAIT
    )
    assert page.input_value("#message-input") == "x" * 4001
    assert page.locator('[data-testid="outbox"]').is_hidden()
    assert _line(page, "xxxx").count() == 0
    page.context.close()


def test_tasks_keep_focus_announce_outcomes_and_show_errors_by_their_form(
    chromium: Any, live_stack: LiveStack, team: Team
) -> None:
    page = _open(chromium, live_stack, "leiden", team.leiden, team, "nl-NL")
    title = page.locator("#task-title")
    title.focus()
    page.keyboard.press("Enter")  # no title
    error = page.locator("#task-error")
    error.wait_for(timeout=WAIT)
    assert title.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "task-title"
    assert page.locator("#send-error").is_hidden()  # not in the chat's box far away

    page.keyboard.type("Interview plannen")
    page.keyboard.press("Enter")
    page.locator(
        '[data-testid="task-status"]', has_text="Taak toegevoegd: Interview plannen"
    ).wait_for(state="attached", timeout=WAIT)
    assert error.is_hidden()
    assert title.get_attribute("aria-invalid") is None
    box = page.get_by_role("checkbox", name="Interview plannen")
    box.focus()
    page.keyboard.press("Space")
    page.locator('[data-testid="task-status"]', has_text="Taak klaar: Interview plannen").wait_for(
        state="attached", timeout=WAIT
    )
    assert box.is_checked()
    focused = page.evaluate("document.activeElement.id")
    assert focused.startswith("task-")  # not <body>
    assert focused == box.get_attribute("id")
    assert axe_violations(page) == []
    page.context.close()


@pytest.mark.parametrize(
    ("locale", "busy"),
    [
        ("en-GB", "Tandem is very busy for a moment; the room connects again by itself."),
        ("nl-NL", "Tandem heeft het even erg druk; de ruimte maakt vanzelf opnieuw verbinding."),
    ],
)
def test_a_busy_server_is_waited_out_and_the_student_is_told_so(
    chromium: Any,
    live_stack: LiveStack,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
    busy: str,
    tmp_path: Path,
) -> None:
    """A connect the server refuses as ``busy`` (its database pool ran dry): the status line
    says so in the page's language instead of "offline", offers no "Reconnect now" that would
    add to the crowd, keeps what was typed, and the room comes back by itself afterwards."""
    anna = _open(chromium, live_stack, "leiden", team.leiden, team, "nl-NL")
    page = _open(chromium, live_stack, "bologna", team.late, team, locale)
    page.set_viewport_size({"width": 390, "height": 844})
    verify = tokens.verify
    crowded = {"now": True}

    def pool_ran_dry(*args: Any, **kwargs: Any) -> Any:
        if crowded["now"]:
            raise PoolTimeout("QueuePool limit reached")
        return verify(*args, **kwargs)

    monkeypatch.setattr(tokens, "verify", pool_ran_dry)
    page.evaluate("window.tandemRoomSocket.io.engine.close()")  # as when a process restarts
    page.locator("#room-status", has_text=busy).wait_for(timeout=WAIT)
    assert page.locator('[data-testid="reconnect-now"]').is_hidden()
    typed = f"Typed while Tandem was busy ({locale})"
    _send(page, typed)
    page.locator('[data-testid="outbox"]', has_text=typed).wait_for(timeout=WAIT)
    time.sleep(3)  # a few refusals later: still the same words, said once
    assert page.locator("#room-status").inner_text() == busy
    statuses: list[str] = page.evaluate("window.__statuses")
    assert statuses.count(busy) == 1, statuses
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots = Path(os.environ.get("TANDEM_SCREENSHOTS", "") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"room-busy-390-{locale}.png"), full_page=True)
    assert axe_violations(page) == []

    crowded["now"] = False  # the crowd has gone: the room connects by itself
    _connected(page, timeout=BACK)
    _line(anna, typed).wait_for(timeout=WAIT)
    time.sleep(2)
    assert _line(anna, typed).count() == 1
    assert page.locator('[data-testid="outbox"]').is_hidden()
    for p in (anna, page):
        p.context.close()
