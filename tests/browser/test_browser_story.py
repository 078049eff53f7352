"""The whole story in chromium, through the demo LMS, in English (here) and in Dutch
(test_browser_story_nl.py).

Leiden's teacher launches for the first time and creates an exchange; Bologna's teacher joins
with the code and is approved; three students onboard; the teacher forms teams and publishes;
two teammates chat in their room; the teacher sets a completion rule, a student asks for
sign-off, their own teacher signs off; the credential's public page and the verify page say
it is valid. Every page on the way is checked: its step's outcome, no failed network request,
axe-core WCAG 2.1 AA clean, no sideways scroll at 375 px nor inside an LMS-width iframe, and on
the Dutch run no text left in English (rendered strings compared with the catalogue's English
msgids whose Dutch differs).

KNOWN_GAPS lists what other work in flight fixes; each is checked strictly (a gap that is gone
fails the test, so that it is removed here and the test tightens).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests.browser.test_browser_launch import AXE, open_from_lms
from tests.conftest import MakeDatabase
from tests.live import LiveStack, running_stack

pytestmark = pytest.mark.browser

WAIT = 15000
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LMS_FRAME_WIDTH = 720  # a course page's content column in Brightspace and Moodle
CATALOGUE = Path(__file__).resolve().parents[2] / "web/translations/nl/LC_MESSAGES/messages.po"

# Gaps other helpers are closing; remove an entry once its fix is merged (the test says which).
# "institution-country": the demo's platform registrations name no country, and a credential
# cannot be issued without the awarding institution's country (the test sets it directly).
# "nl:<msgid>": an English string still shown on the Dutch run (the default phase titles are
# stored in English when an exchange is created; the completion page shows them as stored).
KNOWN_GAPS: frozenset[str] = frozenset()

SETUP = {
    "title": "Rivers & Deltas",
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-28",
    "team_size_min": "3",
    "team_size_max": "4",
    "weekly_hours": "3",
}
EVENINGS = ("0-1080", "1-1080")  # Monday and Tuesday 18:00-20:00 local time


def _placeholder_pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"%\(\w+\)[sd]|%[sd]", msgid)
    return re.compile(".+?".join(re.escape(" ".join(p.split())) for p in parts))


def english_only_strings() -> list[tuple[str, re.Pattern[str]]]:
    """English msgids whose Dutch differs: seeing one on a Dutch page means it was missed."""
    with CATALOGUE.open("rb") as source:
        catalog = read_po(source, locale="nl")
    found = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid, dutch in zip(ids, strings, strict=False):
            clean = " ".join(str(msgid).split())
            if not clean or not dutch or clean == " ".join(str(dutch).split()):
                continue
            if len(re.sub(r"%\(\w+\)[sd]|\W", "", clean)) < 4:
                continue  # "OK", "h", "%(a)s-%(b)s": too short to tell a language by
            found.append((clean, _placeholder_pattern(clean)))
    return found


VISIBLE_STRINGS = """() => {
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const tag = node.parentElement && node.parentElement.tagName;
    if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'OPTION') continue;
    out.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label],[title],[placeholder],[alt]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  for (const el of document.querySelectorAll('input[type=submit],input[type=button]')) {
    out.push(el.value);
  }
  return out.map(s => s.replace(/\\s+/g, ' ').trim()).filter(s => s.length > 0);
}"""


@dataclass
class Story:
    """One run of the story in one language: the stack, the browser and what went wrong."""

    stack: LiveStack
    browser: Any
    language: str
    english: list[tuple[str, re.Pattern[str]]]
    failed_requests: list[str] = field(default_factory=list)
    english_left: dict[str, str] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)

    @property
    def locale(self) -> str:
        return "nl-NL" if self.language == "nl" else "en-GB"

    def context(self, viewport: dict[str, int] = DESKTOP) -> Any:
        context = self.browser.new_context(
            viewport=viewport,
            bypass_csp=True,  # lets the test inject axe-core; Tandem's CSP still governs its JS
            locale=self.locale,
            timezone_id="Europe/Amsterdam",
        )
        context.on("requestfailed", self._failed)
        context.on("response", self._response)
        return context

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        # A navigation cancels the previous page's pending requests (Socket.IO polling).
        if "ERR_ABORTED" not in failure:
            self.failed_requests.append(f"{request.method} {request.url}: {failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed_requests.append(f"{response.status} {response.url}")

    def person(self, name: str, slug: str, user_id: str) -> Any:
        """A new browser (own cookies) launched from the demo LMS as this person."""
        page = self.context().new_page()
        open_from_lms(page, self.stack, slug, user_id)
        return page

    def check(self, page: Any, what: str, *, get: bool = True) -> None:
        """The checks every page gets: axe, 375 px, and Dutch if the run is Dutch; on the
        English run also the same page inside an LMS-width iframe (layout does not depend on
        the language there: the narrower 375 px check runs in both).

        ``get=False`` for a page that answers a POST (shown once, e.g. a new join code): it
        cannot be loaded again in the iframe. A page seen before in the same state (another
        student's onboarding form) is checked once. A step that navigates waits for its
        page before calling this, so the page is checked once it has loaded.
        """
        page.wait_for_load_state("load")
        if what in self.checked:
            return
        url = page.url
        assert page.locator("h1").count() == 1, (what, url)
        assert axe(page) == [], (what, url)
        if self.language == "nl":
            self._no_english(page, what)
        viewport = page.viewport_size
        page.set_viewport_size(PHONE)
        assert _sideways(page) == [], (what, url, "375 px")
        page.set_viewport_size(viewport)
        if get and self.language == "en":
            self._in_lms_frame(page, url, what)
        self.checked.append(what)

    def _no_english(self, page: Any, what: str) -> None:
        shown = page.evaluate(VISIBLE_STRINGS)
        for msgid, pattern in self.english:
            for text in shown:
                if pattern.fullmatch(text) or (
                    len(msgid) >= 20 and "%(" not in msgid and msgid in text
                ):
                    self.english_left.setdefault(msgid, what)

    def _in_lms_frame(self, page: Any, url: str, what: str) -> None:
        """The same page inside an iframe of an LMS-width column (a same-site LMS page)."""
        host = page.context.new_page()
        host.goto(f"{self.stack.demo_url}/")
        host.evaluate(
            """([src, width]) => {
                document.body.innerHTML = '';
                const frame = document.createElement('iframe');
                frame.title = 'Tandem';
                frame.style.cssText = `width:${width}px;height:800px;border:0`;
                frame.src = src;
                document.body.appendChild(frame);
            }""",
            [url, LMS_FRAME_WIDTH],
        )
        frame = host.frame_locator("iframe")
        frame.locator("h1").first.wait_for(timeout=WAIT)
        inner = next(f for f in host.frames if f.url == url or f.url.startswith(url.split("#")[0]))
        wide = inner.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wide <= 0, (what, url, f"{wide} px too wide in a {LMS_FRAME_WIDTH} px iframe")
        host.close()


def axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations (only violations are collected: several times faster
    than the full result on big forms such as the availability grid)."""
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]
    ]


def _sideways(page: Any) -> list[str]:
    """Elements that stick out when the page scrolls sideways (empty when it does not)."""
    result: list[str] = page.evaluate(
        """() => {
            const w = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= w) return [];
            return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w)
                .map(e => e.tagName + '.' + e.className).slice(0, 8);
        }"""
    )
    return result


def _onboard(story: Story, slug: str, index: int, zone: str) -> Any:
    platform = story.stack.platform(slug)
    student = platform.students[index]
    page = story.person(student.name, slug, student.user_id)
    page.locator('[data-testid="profile-form"]').wait_for(timeout=WAIT)
    story.check(page, "onboarding form")
    page.select_option("#time_zone", zone)
    for slot in EVENINGS:
        page.check(f"#slot-{slot}")
    page.select_option("#lang-0", "en")
    page.select_option("#level-0", "B2")
    for share in ("languages", "availability"):
        page.check(f"#share-{share}")
    page.click('[data-testid="save-profile"]')
    page.locator('[data-testid="in-pool"]').wait_for(timeout=WAIT)
    story.check(page, "exchange page, in the pool")
    return page


def _open_room(story: Story, page: Any, who: str) -> None:
    page.reload()
    page.locator('[data-testid="team-room-link"]').click()
    page.locator('[data-testid="members"] .online').first.wait_for(timeout=WAIT)
    story.check(page, f"team room ({who})")


def run_story(story: Story) -> None:
    stack, base = story.stack, story.stack.tandem_url
    leiden, bologna = stack.platform("leiden"), stack.platform("bologna")
    for platform in (leiden, bologna):  # the LMS tells Tandem the person's language
        platform.locale = story.locale

    # 1. Leiden's teacher: first launch, create the exchange, make a join code.
    owner = story.person("owner", "leiden", leiden.teacher.user_id)
    owner.locator('[data-testid="create-exchange"]').wait_for(timeout=WAIT)
    story.check(owner, "teacher's first launch")
    owner.click('[data-testid="create-exchange"]')
    owner.locator('[data-testid="save-exchange"]').wait_for(timeout=WAIT)
    story.check(owner, "exchange setup form")
    for name, value in SETUP.items():
        owner.fill(f"#{name}", value)
    owner.select_option("#language-1", "en")
    owner.click('[data-testid="save-exchange"]')
    owner.wait_for_url(re.compile(r"/exchanges/\d+/teacher$"))
    exchange_id = int(re.findall(r"/exchanges/(\d+)/teacher", owner.url)[0])
    assert owner.inner_text('[data-testid="exchange-title"]') == SETUP["title"]
    story.check(owner, "teacher's exchange page")
    owner.click('[data-testid="make-code"]')
    code = owner.inner_text('[data-testid="join-code"]').strip()
    assert re.fullmatch(r"[A-Z0-9-]{6,}", code), code
    story.check(owner, "join code", get=False)

    # 2. Bologna's teacher joins with the code; Leiden's teacher approves.
    partner = story.person("partner", "bologna", bologna.teacher.user_id)
    story.check(partner, "teacher's first launch")
    partner.fill("#join-code", code)
    partner.locator("#join-code").press("Enter")
    partner.locator('[data-testid="pending-seat"]').wait_for(timeout=WAIT)
    story.check(partner, "partner waiting for approval")
    owner.goto(f"{stack.tandem_url}/exchanges/{exchange_id}/teacher")
    owner.locator('[data-testid="request"]').wait_for(timeout=WAIT)
    story.check(owner, "partner's request")
    with owner.expect_navigation():
        owner.click('[data-testid="approve"]')
    assert owner.locator('[data-testid="request"]').count() == 0
    assert bologna.name in owner.inner_text("main")

    # 3. Three students onboard: one in Leiden, two in Bologna.
    students = [
        _onboard(story, "leiden", 0, "Europe/Amsterdam"),
        _onboard(story, "bologna", 0, "Europe/Rome"),
        _onboard(story, "bologna", 1, "Europe/Rome"),
    ]
    owner.reload()
    assert re.search(r"\b3\b", owner.inner_text('[data-testid="pool-count"]'))

    # 4. Form teams, propose, publish.
    owner.click('[data-testid="matching-link"]')
    owner.locator('[data-testid="rules-form"]').wait_for(timeout=WAIT)
    story.check(owner, "matching rules")
    owner.click('[data-testid="propose"]')
    owner.locator('[data-testid="team"]').first.wait_for(timeout=WAIT)
    assert owner.locator('[data-testid="team"]').count() == 1
    assert owner.locator('[data-testid="team"] [data-testid="member"]').count() == 3
    story.check(owner, "proposed teams")
    owner.click('[data-testid="publish"]')
    owner.locator('[data-testid="published"]').wait_for(timeout=WAIT)
    story.check(owner, "published teams")

    # 5. Two teammates from different universities chat in their room.
    anna, bea = students[0], students[1]
    _open_room(story, anna, "Leiden student")
    _open_room(story, bea, "Bologna student")
    anna.fill("#message-input", "Hoi allemaal, wanneer spreken we af?")
    anna.press("#message-input", "Enter")
    line = bea.locator('[data-testid="messages"] .message-body', has_text="wanneer spreken")
    line.wait_for(timeout=WAIT)
    story.check(bea, "a line arrived in the room")

    # 6. Completion: the teacher's rule, the student's request, the own teacher's sign-off.
    owner.goto(f"{base}/exchanges/{exchange_id}/teacher")
    with owner.expect_navigation():
        owner.click('[data-testid="completion-link"]')
    story.check(owner, "teacher's completion page")
    owner.fill("#min_meetings", "0")
    owner.fill("#min_contribution_weeks", "0")
    owner.uncheck('input[name="reflection_required"]')
    for phase in owner.locator('input[name="phase"]').all():
        phase.uncheck()
    with owner.expect_navigation():
        owner.locator("#min_meetings").press("Enter")
    anna.goto(f"{base}/exchanges/{exchange_id}")
    with anna.expect_navigation():
        anna.click('[data-testid="completion-link"]')
    story.check(anna, "student's completion page")
    with anna.expect_navigation():
        anna.locator(f'form[action="/exchanges/{exchange_id}/completion/request"] button').click()
    story.check(anna, "sign-off asked", get=False)
    owner.reload()
    owner.locator('[data-testid="approve"]').wait_for(timeout=WAIT)
    with owner.expect_navigation():
        owner.click('[data-testid="approve"]')
    story.check(owner, "signed off", get=False)

    # 7. The credential: the student's link, its public page, the verify page.
    anna.reload()
    anna.locator('[data-testid="my-credential"] a').first.click()
    anna.locator('[data-testid="verdict"].ok').wait_for(timeout=WAIT)
    credential_url = anna.url
    story.check(anna, "credential page")
    document = anna.request.get(credential_url, headers={"Accept": "application/ld+json"}).json()
    verifier = story.context().new_page()  # a third party: no LMS, no Tandem sign-in
    verifier.goto(f"{base}/verify")
    story.check(verifier, "verify page")
    verifier.fill("textarea", json.dumps(document))
    verifier.locator("textarea").press("Tab")
    verifier.keyboard.press("Enter")
    verifier.locator('[data-testid="verdict"].ok').wait_for(timeout=WAIT)
    story.check(verifier, "verified", get=False)

    assert story.failed_requests == []


def _gaps(story: Story) -> tuple[set[str], set[str]]:
    """(new problems, known gaps that are gone) for the Dutch text check."""
    left = {f"nl:{msgid}" for msgid in story.english_left}
    known = {gap for gap in KNOWN_GAPS if gap.startswith("nl:")}
    return left - known, known - left


def tell_the_story(
    chromium: Any, tmp_path: Path, make_database: MakeDatabase, language: str
) -> None:
    """The whole story in one language, on a stack of its own (the Dutch run is in
    test_browser_story_nl.py: each run takes most of a minute, and ``--dist loadfile`` gives a
    file to one worker, so the two languages run side by side)."""
    with running_stack(make_database("sqlite", migrated=True), tmp_path) as stack:
        story = Story(stack, chromium, language, english_only_strings())
        run_story(story)
    assert len(story.checked) >= 17
    if language == "nl":
        new, fixed = _gaps(story)
        assert not new, {gap: story.english_left[gap[3:]] for gap in new}
        assert not fixed, f"translated now: remove {sorted(fixed)} from KNOWN_GAPS"


def test_the_story_from_first_launch_to_a_verified_credential(
    chromium: Any, tmp_path: Path, make_database: MakeDatabase
) -> None:
    tell_the_story(chromium, tmp_path, make_database, "en")
