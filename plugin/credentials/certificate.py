"""A PDF certificate for learners who need paper: the Annex I elements, a QR code to the public
verification page, and the signed credential JSON embedded as a file.

The paper is a convenience, not the proof: the embedded JSON is what verifies, so the text is
read back from the signed document (never from the database beside it). Pure: no session.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

import segno

from plugin.reports.export import annex_elements

if TYPE_CHECKING:  # fpdf takes a second to import: only a PDF being drawn pays for it
    from fpdf import FPDF

#: A Unicode font when the system has one (names in any script); else the PDF core font.
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
ATTACHMENT = "credential.json"
_ROWS = (
    ("Awarding body", "awarding_body"),
    ("Country of the issuer", "issuer_country"),
    ("Co-awarding bodies", "co_awarding_bodies"),
    ("Date of issuing", "date_of_issuing"),
    ("Learning outcomes", "learning_outcomes"),
    ("ESCO skills", "esco_skills"),
    ("Workload (ECTS)", "ects"),
    ("EQF level", "eqf_level"),
    ("Type of assessment", "assessment_type"),
    ("Form of participation", "participation"),
    ("Quality assurance", "quality_assurance"),
    ("Identity verification", "identity_verification"),
    ("Grade", "grade"),
    ("Learner (salted SHA-256 of the email)", "learner_identifier"),
    ("European Student Identifier", "learner_esi"),
)


def _font(pdf: FPDF) -> tuple[str, bool]:
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu", True
    return "Helvetica", False


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as vector squares (no image library, sharp at any print size)."""
    code = segno.make(url, error="m")
    matrix = list(code.matrix_iter(scale=1, border=4))
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            if dark:
                pdf.rect(x + column * cell, y + row * cell, cell, cell, style="F")


def certificate_pdf(
    document: Mapping[str, Any], *, learner_name: str, revoked: bool, created: datetime
) -> bytes:
    """The certificate of one credential; ``created`` fixes the PDF's dates (reproducible)."""
    elements = annex_elements(document)
    verify_url = str(document["id"])
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(created)
    pdf.set_title(elements["title"])
    pdf.set_author(elements["awarding_body"])
    pdf.set_lang("en")
    family, unicode = _font(pdf)

    def text(value: str) -> str:
        return value if unicode else value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    pdf.set_font(family, "B", 20)
    pdf.multi_cell(0, 10, text("Micro-credential"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(0, 8, text(elements["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 12)
    if learner_name:
        pdf.multi_cell(0, 7, text(f"Awarded to {learner_name}"), new_x="LMARGIN", new_y="NEXT")
    if revoked:
        pdf.set_text_color(170, 0, 0)
        pdf.multi_cell(0, 7, text("REVOKED by the issuer."), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    for label, key in _ROWS:
        if not elements[key]:
            continue
        pdf.set_font(family, "B", 10)
        pdf.multi_cell(0, 5, text(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 5, text(elements[key]), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    top = pdf.get_y() + 4
    _qr(pdf, verify_url, pdf.l_margin, top, 40)
    pdf.set_xy(pdf.l_margin + 46, top)
    pdf.set_font(family, "", 9)
    pdf.multi_cell(
        0,
        5,
        text(
            "Scan to verify, or open: "
            f"{verify_url}\nThe signed credential ({ATTACHMENT}) is attached to this PDF; "
            "any Open Badges 3.0 verifier can check it without trusting this paper."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.embed_file(
        bytes=json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
        basename=ATTACHMENT,
        modification_date=created,
        mime_type="application/ld+json",
        desc="The signed Open Badges 3.0 credential",
    )
    return bytes(pdf.output())


class CertificateCache:
    """Rendered certificates by (credential id, content digest): a PDF takes ~125 ms to build.

    Small and in-process: a revoked or renamed certificate has another digest, so a stale
    entry is never served; the least recently used entry goes when the cache is full.
    """

    def __init__(self, max_entries: int = 128) -> None:
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[str, str], render: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        data = render()  # outside the lock: two first requests may both render, harmlessly
        with self._lock:
            self._entries[key] = data
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return data

    def forget(self, credential_ids: Iterable[str]) -> None:
        """Drop these credentials' certificates (their holder was erased: the PDF names them)."""
        gone = set(credential_ids)
        with self._lock:
            for key in [key for key in self._entries if key[0] in gone]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
