"""The Dutch catalogue is complete and matches the strings the code and templates use."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "web" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
METHODS = [
    ("plugin/**.py", "python"),
    ("web/**.py", "python"),
    ("lti/**.py", "python"),
    ("realtime/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
    ("web/templates/**.txt", "jinja2"),
    ("lti/templates/**.html", "jinja2"),
]


def _used_msgids() -> set[str]:
    keywords = {
        "_": None,
        "gettext": None,
        "lazy_gettext": None,
        "ngettext": (1, 2),
        "N_": None,
        "Nn_": (1, 2),
    }
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_in_the_code_is_in_the_dutch_catalogue() -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    missing = _used_msgids() - known
    assert not missing, f"run 'make translations' and translate: {sorted(missing)}"


def test_every_dutch_message_is_translated_and_not_fuzzy() -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
