"""Chat text made safe to show: split into plain text and http(s) links, never raw HTML.

Clients build the DOM from the segments with text nodes and anchors, so nothing a student
types can become markup; ``to_html`` is the same split for server-rendered pages.
"""

from __future__ import annotations

import html
import re
from typing import Literal, TypedDict
from urllib.parse import urlsplit

# A link starts with http:// or https:// (or www.) and runs to whitespace or a '<'.
_LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# Punctuation that ends a sentence rather than a URL ("see https://x.org.").
_TRAILING = ".,;:!?)]}'\""
LINK_REL = "noopener noreferrer nofollow ugc"


class Segment(TypedDict):
    kind: Literal["text", "link"]
    text: str
    href: str


def _safe_href(candidate: str) -> str | None:
    url = candidate if "://" in candidate else f"https://{candidate}"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def segments(body: str) -> list[Segment]:
    """Split ``body`` into text and link segments; only http(s) URLs ever become links."""
    out: list[Segment] = []
    position = 0

    def text(value: str) -> None:
        if not value:
            return
        if out and out[-1]["kind"] == "text":
            out[-1]["text"] += value
        else:
            out.append({"kind": "text", "text": value, "href": ""})

    for match in _LINK.finditer(body):
        raw = match.group(0)
        stripped = raw.rstrip(_TRAILING)
        href = _safe_href(stripped)
        text(body[position : match.start()])
        if href is None:
            text(raw)
        else:
            out.append({"kind": "link", "text": stripped, "href": href})
            text(raw[len(stripped) :])
        position = match.end()
    text(body[position:])
    return out


def to_html(body: str) -> str:
    """Escaped HTML with safe anchors (new tab, no opener, no referrer, nofollow)."""
    parts = []
    for segment in segments(body):
        if segment["kind"] == "link":
            parts.append(
                f'<a href="{html.escape(segment["href"], quote=True)}" target="_blank" '
                f'rel="{LINK_REL}">{html.escape(segment["text"])}</a>'
            )
        else:
            parts.append(html.escape(segment["text"]))
    return "".join(parts)
