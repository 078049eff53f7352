"""The public /verify page with partner credentials (a P-256 did:key Data Integrity proof and
an EdDSA VC-JWT) and the admin's trusted-issuer page: axe-clean, EN at 1280 px and NL at
375 px, keyboard only, no sideways scroll."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from plugin.credentials.sample import issue_sample
from plugin.db import utcnow
from tests.browser.test_browser_launch import axe_violations
from tests.live import LiveStack
from tests.open_signers import ed25519_did_key, key_url, p256_did_key, sign_ecdsa_rdfc, sign_jwt
from web.cli import cli

pytestmark = pytest.mark.browser


def _partner_document(did: str) -> dict[str, Any]:
    sample = issue_sample("partner.example", utcnow())
    document = {
        k: v for k, v in sample.credential.items() if k not in ("proof", "credentialStatus")
    }
    document["issuer"] = {**document["issuer"], "id": did}
    return document


def _fits(page: Any) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _language(page: Any, lang: str) -> None:
    page.select_option("#lang-select", lang)
    page.locator("form.language button").click()
    page.wait_for_load_state("load")


def _paste_and_verify(page: Any, text: str) -> None:
    field = page.locator("textarea#credential")
    field.focus()
    field.fill("")
    page.keyboard.insert_text(text)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator('[data-testid="verdict"]').wait_for(timeout=15000)


@pytest.mark.parametrize(("width", "lang"), [(1280, "en"), (375, "nl")])
def test_verify_page_with_partner_credentials_and_the_issuer_registry(
    chromium: Any, live_stack: LiveStack, width: int, lang: str, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("TANDEM_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    base = live_stack.tandem_url
    p256 = ec.generate_private_key(ec.SECP256R1())
    p256_did = p256_did_key(p256)
    dataintegrity = sign_ecdsa_rdfc(_partner_document(p256_did), p256, key_url(p256_did))
    ed = Ed25519PrivateKey.generate()
    ed_did = ed25519_did_key(ed)
    token = sign_jwt(_partner_document(ed_did), ed, "EdDSA", key_url(ed_did))

    context = chromium.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/verify")
    _language(page, lang)
    _paste_and_verify(page, json.dumps(dataintegrity))
    verdict = page.locator('[data-testid="verdict"]')
    assert verdict.get_attribute("data-verdict") == "valid_unknown_issuer"
    expected = "Geldig, onbekende uitgever." if lang == "nl" else "Valid, unknown issuer."
    assert expected in verdict.inner_text()
    assert page.locator('[data-testid="trust"][data-trusted="no"]').count() == 1
    assert axe_violations(page) == []
    _fits(page)
    page.screenshot(path=str(shots / f"verify-partner-{width}-{lang}.png"), full_page=True)

    _paste_and_verify(page, token)
    assert page.locator('[data-check="proof"][data-outcome="passed"]').count() == 1
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    _paste_and_verify(page, forged)
    assert page.locator('[data-testid="verdict"]').get_attribute("data-verdict") == "invalid"
    assert page.locator('[data-check="proof"][data-outcome="failed"]').count() == 1
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / f"verify-forged-{width}-{lang}.png"), full_page=True)

    # The admin adds the P-256 issuer by keyboard; the same credential then reads "valid".
    link = live_stack.tandem.test_cli_runner().invoke(cli, ["admin", "token"]).output.split()[0]
    page.goto(link)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    page.goto(f"{base}/admin/issuers")
    _language(page, lang)  # signing in starts a new session
    heading = "Vertrouwde uitgevers" if lang == "nl" else "Trusted issuers"
    assert page.locator("h1").inner_text() == heading
    assert axe_violations(page) == []
    page.locator("#field-issuer_id").focus()
    page.keyboard.insert_text(p256_did)
    page.keyboard.press("Tab")
    page.keyboard.insert_text(f"Partner {lang}")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator('[data-testid="outcome"]').wait_for(timeout=10000)
    assert page.locator(f"text=Partner {lang}").count() >= 1
    assert axe_violations(page) == []
    _fits(page)
    page.screenshot(path=str(shots / f"admin-issuers-{width}-{lang}.png"), full_page=True)

    page.goto(f"{base}/verify")
    _paste_and_verify(page, json.dumps(dataintegrity))
    assert page.locator('[data-testid="verdict"]').get_attribute("data-verdict") == "valid"
    assert page.locator('[data-testid="trust"][data-trusted="yes"]').count() == 1
    context.close()
