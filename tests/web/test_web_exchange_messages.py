"""Every message the exchange and profile use cases show a user is in the Dutch catalogue."""

from __future__ import annotations

import ast
from pathlib import Path

from web.pages.domain_messages import DOMAIN_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    "plugin/exchanges/service.py",
    "plugin/exchanges/phases.py",
    "plugin/profiles/service.py",
    "plugin/profiles/availability.py",
    "plugin/profiles/languages.py",
    "plugin/people/service.py",
    "plugin/teammates/service.py",
]
ERRORS = {"InvalidInput", "NotAllowed", "NotFound", "Conflict"}


def _raised() -> set[str]:
    found: set[str] = set()
    for source in SOURCES:
        for node in ast.walk(ast.parse((ROOT / source).read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None)
            # _short(value, limit, message) raises InvalidInput(message) itself.
            argument = (
                node.args[0] if name in ERRORS else node.args[2] if name == "_short" else None
            )
            if isinstance(argument, ast.Constant):
                found.add(str(argument.value))
    return found


def test_every_domain_message_is_marked_for_translation() -> None:
    marked = {message._args[0] for message in DOMAIN_MESSAGES}
    assert _raised() - marked == set()
