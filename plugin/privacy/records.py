"""The records of processing (GDPR art. 30) a DPO asks for, generated from ``HOLDINGS``.

Generated, not written: a new table must be declared before its test passes, so this summary
cannot fall behind the schema. The JSON keeps the English words (a DPO's tools read it); the
Markdown is in the reader's language, through the adapter's translation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plugin.i18n import N_, Text
from plugin.privacy.declarations import HOLDINGS, Erase

ERASURE_WORDS: dict[Erase, Text] = {
    Erase.DELETE: N_("deleted"),
    Erase.UNLINK: N_("kept, no longer linked to the person"),
    Erase.SCRUB: N_("kept as a 'removed' marker: personal columns emptied, link removed"),
    Erase.KEEP: N_("kept (a teacher's administrative act), linked to a nameless record"),
}

SUMMARY: dict[str, Text] = {
    "controller": N_("Each participating university, for its own students and teachers."),
    "processor": N_("Whoever hosts this Tandem installation for the universities."),
    "categories_of_people": N_("Students and teachers of courses that launch Tandem from an LMS."),
    "recipients": N_(
        "The person's own university (teachers, admins); the partner university's teachers "
        "and teammates only as listed per item; the video service chosen by the installation "
        "(meet.jit.si receives the name the person chooses to show in calls)."
    ),
    "transfers_outside_university": N_(
        "Display name, institution and what the person chose to share go to teammates at "
        "the partner university; email and student numbers never do."
    ),
    "rights": N_(
        "Export: /me/data and /me/data.json. Erasure: /me/erase, or the person's own "
        "university's teacher or admin."
    ),
    "security": N_(
        "HTTPS with HSTS, no-store on personal pages, framing only by registered LMSs, "
        "LMS user ids kept out of access logs."
    ),
}

# The Markdown's title, words for SUMMARY's keys and the table's columns.
_TITLE = N_("Tandem: records of processing")
_LABELS: dict[str, Text] = {
    "controller": N_("Controller"),
    "processor": N_("Processor"),
    "categories_of_people": N_("Categories of people"),
    "recipients": N_("Recipients"),
    "transfers_outside_university": N_("Transfers outside university"),
    "rights": N_("Rights"),
    "security": N_("Security"),
}
_COLUMNS = (
    N_("What"),
    N_("Why"),
    N_("How long"),
    N_("Partner university sees"),
    N_("On erasure"),
    N_("Table.column"),
)


def records() -> dict[str, Any]:
    """Machine-readable records: the summary and one entry per declared holding."""
    return {
        **SUMMARY,
        "items": [
            {
                "table": h.table,
                "column": h.column,
                "what": str(h.what),
                "why": str(h.why),
                "kept": str(h.kept),
                "partner_university_sees": str(h.partners),
                "on_erasure": ERASURE_WORDS[h.erase],
            }
            for h in HOLDINGS
        ],
    }


def records_markdown(translate: Callable[[str], str] = str) -> str:
    """The same, as a page a DPO can read and file, in ``translate``'s language (English
    without one)."""
    lines = ["# " + translate(_TITLE), ""]
    for key, value in SUMMARY.items():
        lines.append(f"- **{translate(_LABELS[key])}**: {translate(value)}")
    lines += [
        "",
        "| " + " | ".join(translate(column) for column in _COLUMNS) + " |",
        "| " + " | ".join("---" for _column in _COLUMNS) + " |",
    ]
    for h in HOLDINGS:
        cells = [
            translate(h.what),
            translate(h.why),
            translate(h.kept),
            translate(h.partners),
            translate(ERASURE_WORDS[h.erase]),
            f"`{h.table}.{h.column}`",
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"
