"""In a real browser (Debian's chromium via Playwright): the demo LMS launches Tandem inside
its iframe and in a new window, and every page passes axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import LiveStack

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
    pytest.skip(
        "Debian's chromium is not installed (make test installs it when run as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # bypass_csp lets the test inject axe-core; Tandem's own CSP stays on for the pages' scripts.
    context = browser.new_context(bypass_csp=True, locale="en-GB", timezone_id="Europe/Rome")
    yield context.new_page()
    context.close()


# True once the page has nothing more to tell: a page of a web session that does not know the
# browser's time zone yet posts it (base.html), and later pages show times in that zone.
ZONE_REPORTED = """() => ![...document.scripts].some(s => s.textContent.includes('/timezone'))
    || performance.getEntriesByType('resource')
        .some(e => new URL(e.name).pathname === '/timezone')"""


def open_from_lms(page: Any, stack: LiveStack, slug: str, user_id: str) -> None:
    """Launch from the demo LMS in a window and wait until Tandem's page has loaded and has
    reported the browser's time zone.

    The LMS's page posts its forms by itself (login, then launch); the first Tandem page that
    commits is the landing, so its URL and load event end the chain, and the zone's answer
    (a resource timing entry once it has come) ends the page's own traffic. Quicker than
    waiting for the network to be quiet for half a second.
    """
    page.goto(f"{stack.demo_url}/{slug}/launch/{user_id}?target=window")
    page.wait_for_url(f"{stack.tandem_url}/**", wait_until="load")
    page.wait_for_function(ZONE_REPORTED)


def axe_violations(frame: Any) -> list[dict[str, Any]]:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install runs npm ci)")
    # A click that navigates may still be loading: inject into the finished document only.
    # Every rule runs; only the violations are gathered in full (passes are not wanted here).
    frame.wait_for_load_state("load")
    frame.add_script_tag(path=str(AXE))
    result: dict[str, Any] = frame.evaluate(
        """async () => await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]
    ]


@pytest.mark.parametrize("slug", ["leiden", "bologna"])
def test_a_student_clicked_in_the_lms_sees_tandem_inside_the_iframe(
    page: Any, live_stack: LiveStack, slug: str
) -> None:
    platform = live_stack.platform(slug)
    student = platform.students[0]
    page.goto(f"{live_stack.demo_url}/{slug}/")
    page.locator(f'[data-user-id="{student.user_id}"] a').first.click()
    frame = page.frame_locator("iframe")
    greeting = frame.locator('[data-testid="greeting"]')
    greeting.wait_for(timeout=15000)
    assert student.given_name in greeting.inner_text()
    assert platform.name in frame.locator('[data-testid="institution"]').inner_text()
    assert platform.course.title in frame.locator('[data-testid="course"]').inner_text()


def test_a_teacher_opens_tandem_in_a_new_window(page: Any, live_stack: LiveStack) -> None:
    platform = live_stack.platform("bologna")
    page.goto(f"{live_stack.demo_url}/bologna/")
    with page.context.expect_page() as opened:
        page.locator(f'[data-user-id="{platform.teacher.user_id}"] a[target="_blank"]').click()
    tandem = opened.value
    tandem.locator('[data-testid="greeting"]').wait_for(timeout=15000)
    assert "Teacher" in tandem.locator('[data-testid="role"]').inner_text()
    assert axe_violations(tandem) == []


def test_tandem_pages_pass_axe(page: Any, live_stack: LiveStack) -> None:
    for path in ("/", "/no/such/page"):
        page.goto(f"{live_stack.tandem_url}{path}")
        assert axe_violations(page) == [], path
    page.goto(
        f"{live_stack.demo_url}/leiden/launch/{live_stack.platform('leiden').teacher.user_id}?target=window"
    )
    page.locator('[data-testid="greeting"]').wait_for(timeout=15000)
    assert 'lang="nl"' in page.content()
    assert axe_violations(page) == []


def test_tandem_works_on_a_phone_sized_screen_by_keyboard(
    browser: Any, live_stack: LiveStack
) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    phone = context.new_page()
    student = live_stack.platform("leiden").students[2]
    phone.goto(f"{live_stack.demo_url}/leiden/launch/{student.user_id}?target=window")
    phone.locator('[data-testid="greeting"]').wait_for(timeout=15000)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # no sideways scrolling
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.textContent")
    assert focused.strip() in ("Skip to content", "Direct naar de inhoud")
    assert axe_violations(phone) == []
    context.close()


@pytest.mark.parametrize("width", [375, 900])
def test_inside_a_narrow_lms_iframe_the_header_is_whole_and_nothing_scrolls_sideways(
    browser: Any, live_stack: LiveStack, width: int
) -> None:
    """The LMS gives Tandem's iframe only part of its page (~700 px on a laptop-sized course
    page, less on a phone): the header must start inside the frame and nothing may scroll."""
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    student = live_stack.platform("leiden").students[0]
    page.goto(f"{live_stack.demo_url}/leiden/")
    page.locator(f'[data-user-id="{student.user_id}"] a').first.click()
    page.frame_locator("iframe").locator('[data-testid="greeting"]').wait_for(timeout=15000)
    frame = next(f for f in page.frames if f.url.startswith(live_stack.tandem_url))
    inner = frame.evaluate("document.documentElement.clientWidth")
    assert inner < width  # really a frame narrower than the page
    assert frame.evaluate("document.documentElement.scrollWidth") <= inner
    header = frame.evaluate(
        "(() => { const r = document.querySelector('.site-header').getBoundingClientRect();"
        " return [r.left, r.right]; })()"
    )
    assert header[0] >= 0
    assert header[1] <= inner
    assert axe_violations(frame) == []
    context.close()
