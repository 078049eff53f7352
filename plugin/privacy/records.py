"""The records of processing (GDPR art. 30) a DPO asks for, generated from ``HOLDINGS``.

Generated, not written: a new table must be declared before its test passes, so this summary
cannot fall behind the schema.
"""

from __future__ import annotations

from typing import Any

from plugin.privacy.declarations import HOLDINGS, Erase

ERASURE_WORDS = {
    Erase.DELETE: "deleted",
    Erase.UNLINK: "kept, no longer linked to the person",
    Erase.SCRUB: "kept as a 'removed' marker: personal columns emptied, link removed",
    Erase.KEEP: "kept (a teacher's administrative act), linked to a nameless record",
}

SUMMARY = {
    "controller": "Each participating university, for its own students and teachers.",
    "processor": "Whoever hosts this Tandem installation for the universities.",
    "categories_of_people": "Students and teachers of courses that launch Tandem from an LMS.",
    "recipients": (
        "The person's own university (teachers, admins); the partner university's teachers "
        "and teammates only as listed per item; the video service chosen by the installation "
        "(meet.jit.si receives the name the person chooses to show in calls)."
    ),
    "transfers_outside_university": (
        "Display name, institution and what the person chose to share go to teammates at "
        "the partner university; email and student numbers never do."
    ),
    "rights": "Export: /me/data and /me/data.json. Erasure: /me/erase, or the person's own "
    "university's teacher or admin.",
    "security": "HTTPS with HSTS, no-store on personal pages, framing only by registered LMSs, "
    "LMS user ids kept out of access logs.",
}


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


def records_markdown() -> str:
    """The same, as a page a DPO can read and file."""
    data = records()
    lines = ["# Tandem: records of processing", ""]
    for key, value in SUMMARY.items():
        lines.append(f"- **{key.replace('_', ' ').capitalize()}**: {value}")
    lines += [
        "",
        "| What | Why | How long | Partner university sees | On erasure | Table.column |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for item in data["items"]:
        cells = [
            item["what"],
            item["why"],
            item["kept"],
            item["partner_university_sees"],
            item["on_erasure"],
            f"`{item['table']}.{item['column']}`",
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"
