"""Chat text never becomes markup; only http(s) links become anchors; call names are secret."""

from __future__ import annotations

import pytest

from plugin.calls.jitsi import jitsi_room_name, jitsi_url
from plugin.rooms.text import segments, to_html


def test_html_is_escaped() -> None:
    assert to_html('<img src=x onerror="alert(1)">') == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    )


def test_links_are_anchors_that_open_safely() -> None:
    html = to_html("see https://example.org/a?b=1&c=2.")
    assert html == (
        'see <a href="https://example.org/a?b=1&amp;c=2" target="_blank" '
        'rel="noopener noreferrer nofollow ugc">https://example.org/a?b=1&amp;c=2</a>.'
    )


@pytest.mark.parametrize(
    "body",
    ["javascript:alert(1)", "data:text/html,<script>x</script>", "JaVaScRiPt://%0aalert(1)"],
)
def test_other_schemes_stay_text(body: str) -> None:
    assert all(s["kind"] == "text" for s in segments(body))
    assert "<script>" not in to_html(body)


def test_www_links_get_https_and_quotes_cannot_break_out() -> None:
    parts = segments('go www.x.org" onmouseover="alert(1)')
    assert parts[1] == {"kind": "link", "text": "www.x.org", "href": "https://www.x.org"}
    assert 'onmouseover="' not in to_html('go www.x.org" onmouseover="alert(1)')


def test_jitsi_names_are_stable_unguessable_and_per_team() -> None:
    assert jitsi_room_name("s1", 1) == jitsi_room_name("s1", 1)
    assert jitsi_room_name("s1", 1) != jitsi_room_name("s1", 2)
    assert jitsi_room_name("s1", 1) != jitsi_room_name("s2", 1)
    assert len(jitsi_room_name("s1", 1)) == len("Tandem") + 32  # 128 bits: not guessable
    url = jitsi_url("https://meet.jit.si/", "s1", 7, "Ana Lopez")
    assert url.startswith("https://meet.jit.si/Tandem")
    assert url.endswith("%22Ana%20Lopez%22")
