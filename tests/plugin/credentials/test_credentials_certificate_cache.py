"""The in-process certificate cache forgets an erased holder's certificates (they print the
holder's name) and keeps everyone else's."""

from __future__ import annotations

from plugin.credentials.certificate import CertificateCache


def test_forget_drops_only_the_named_credentials() -> None:
    cache = CertificateCache()
    renders: list[str] = []

    def render(name: str) -> bytes:
        renders.append(name)
        return name.encode()

    cache.get(("erased", "v1"), lambda: render("erased"))
    cache.get(("erased", "v2"), lambda: render("erased"))
    cache.get(("kept", "v1"), lambda: render("kept"))
    cache.forget(["erased"])
    assert len(cache) == 1
    assert cache.get(("kept", "v1"), lambda: render("again")) == b"kept"
    assert cache.get(("erased", "v1"), lambda: render("new")) == b"new"
    assert renders == ["erased", "erased", "kept", "new"]
