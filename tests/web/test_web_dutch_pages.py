"""The main pages rendered in Dutch through the app show no English catalogue text as-is.

Every English msgid whose Dutch msgstr differs is looked for in the visible text (and the
labels people hear) of the pages a student and a teacher use: a hit is a string that skipped
translation on its way to the page (a bare literal, a raw key, a list kept by hand).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from plugin.actors import Actor, Role
from plugin.teams.service import create_team
from tests.exchange_flow import set_up_two_university_exchange
from tests.live import LiveStack

CATALOGUE = Path(__file__).resolve().parents[2] / "web/translations/nl/LC_MESSAGES/messages.po"
HEARD = {"aria-label", "title", "placeholder", "alt"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        self.parts += [value for name, value in attrs if name in HEARD and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def _english_only() -> list[str]:
    """Msgids of at least two words, without placeholders, whose Dutch differs."""
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        if not isinstance(message.id, str) or "%(" in message.id or " " not in message.id:
            continue
        if message.string and message.string != message.id:
            found.append(message.id)
    return found


# Raw phase keys, ISO dates, English clock times and hours with a decimal point ("3.5 u")
# have no place in Dutch text either.
NOT_DUTCH = re.compile(
    r"\b(preparation|icebreaker|team_formation|project_work|presentation)\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2} ?[AP]M\b|\b\d+\.\d+ (u|uur)\b"
)


def _offenders(text: str, english: list[str]) -> list[str]:
    found = [m for m in english if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)]
    found += [match.group(0) for match in NOT_DUTCH.finditer(text)]
    return sorted(found)


@pytest.fixture(scope="module")
def pages(live_stack: LiveStack) -> dict[str, tuple[requests.Session, str]]:
    exchange = set_up_two_university_exchange(live_stack)
    teacher = Actor(exchange.owner_id, Role.TEACHER, None)
    with live_stack.session_factory() as db:
        team = create_team(db, teacher, exchange.id, "Team 1", exchange.student_ids)
    student = exchange.students[0][2]
    owner = exchange.owner
    for http in (student, owner):
        base = live_stack.tandem_url
        http.post(f"{base}/language", data={"lang": "nl", "next": "/"}, timeout=10)
    base, eid = live_stack.tandem_url, exchange.id
    return {
        "home (student)": (student, f"{base}/"),
        "exchange (student)": (student, f"{base}/exchanges/{eid}"),
        "profile": (student, f"{base}/exchanges/{eid}/profile"),
        "teammates": (student, f"{base}/exchanges/{eid}/teammates"),
        "room": (student, f"{base}/teams/{team.id}/room"),
        "rooms": (student, f"{base}/rooms"),
        "completion (student)": (student, f"{base}/exchanges/{eid}/completion"),
        "notifications": (student, f"{base}/notifications"),
        "home (teacher)": (owner, f"{base}/"),
        "exchange (teacher)": (owner, f"{base}/exchanges/{eid}/teacher"),
        "setup": (owner, f"{base}/exchanges/{eid}/edit"),
        "matching": (owner, f"{base}/exchanges/{eid}/matching"),
        "teams": (owner, f"{base}/exchanges/{eid}/teams"),
        "completion (teacher)": (owner, f"{base}/exchanges/{eid}/completion/students"),
        "grades": (owner, f"{base}/grades"),
        "verify credential": (owner, f"{base}/verify"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "home (student)",
        "exchange (student)",
        "profile",
        "teammates",
        "room",
        "rooms",
        "completion (student)",
        "notifications",
        "home (teacher)",
        "exchange (teacher)",
        "setup",
        "matching",
        "teams",
        "completion (teacher)",
        "grades",
        "verify credential",
    ],
)
def test_a_dutch_page_renders_no_english_catalogue_text(
    pages: dict[str, tuple[requests.Session, str]], name: str
) -> None:
    http, url = pages[name]
    response = http.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code)
    assert '<html lang="nl"' in response.text
    assert _offenders(_visible(response.text), _english_only()) == []
