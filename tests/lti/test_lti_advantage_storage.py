"""Platform-storage (postMessage) launches over HTTP: what the browser's scripts would carry.

The browser parts (put/get through the LMS page) run in tests/browser/test_browser_lti_*.py;
here each HTTP step is checked on its own, including the refusals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import requests

from demo.testing import launch_form_fields
from tests.live import LiveStack


@dataclass
class StorageLogin:
    cfg: dict[str, Any]
    launch_form: dict[str, str]
    browser: requests.Session


def _login(stack: LiveStack, *, keep_cookies: bool = False) -> StorageLogin:
    platform = stack.platform("leiden")
    user = platform.students[0]
    browser = requests.Session()
    page = browser.get(
        f"{stack.tandem_url}/lti/login",
        params={
            "iss": platform.issuer,
            "login_hint": user.user_id,
            "target_link_uri": f"{stack.tandem_url}/lti/launch",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
            "lti_message_hint": json.dumps({"user": user.user_id, "target": "iframe"}),
            "lti_storage_target": "_parent",
        },
        timeout=10,
    )
    assert page.status_code == 200, page.text
    found = re.search(r"var cfg = (\{.*?\});", page.text)
    assert found, page.text
    cfg = json.loads(found.group(1))
    if not keep_cookies:
        browser.cookies.clear()  # the iframe kept no cookie
    form = launch_form_fields(browser.get(cfg["next"], timeout=10).text)
    return StorageLogin(cfg, form, browser)


def _post(login: StorageLogin, **extra: str) -> requests.Response:
    form = dict(login.launch_form)
    action = form.pop("action")
    return login.browser.post(action, data={**form, **extra}, timeout=10)


def test_login_puts_a_proof_in_the_platform_frame(live_stack: LiveStack) -> None:
    login = _login(live_stack)
    platform = live_stack.platform("leiden")
    assert login.cfg["target"] == "_parent"
    assert login.cfg["origin"] == live_stack.demo_url
    assert login.cfg["next"].startswith(platform.auth_login_url)
    assert login.cfg["key"] == f"tandem_state_{login.launch_form['state']}"
    assert len(login.cfg["value"]) >= 24
    assert login.cfg["value"] not in login.cfg["next"]  # the platform never sees the proof


def test_cookieless_launch_reads_the_proof_back_then_hands_off(live_stack: LiveStack) -> None:
    login = _login(live_stack)

    asks = _post(login)
    assert asks.status_code == 200
    assert "lti.get_data" in asks.text
    assert login.cfg["key"] in asks.text

    landed = _post(login, lti_storage_value=login.cfg["value"])
    assert landed.status_code == 200, landed.text
    assert 'data-testid="launched"' in landed.text
    link = re.search(r'href="(/lti/resume/[^"]+)"', landed.text)
    assert link
    window = requests.Session()  # a new, first-party window
    home = window.get(f"{live_stack.tandem_url}{link.group(1)}", timeout=10)
    assert 'data-testid="greeting"' in home.text
    again = requests.get(
        f"{live_stack.tandem_url}{link.group(1)}",
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert again.status_code == 401
    replay = _post(login, lti_storage_value=login.cfg["value"])
    assert replay.status_code == 401  # the proof was single-use, and so was the nonce


def test_a_wrong_proof_is_refused(live_stack: LiveStack) -> None:
    login = _login(live_stack)
    refused = _post(login, lti_storage_value="guessed")
    assert refused.status_code == 401
    assert 'data-reason="state_mismatch"' in refused.text


def test_a_kept_cookie_needs_no_read_back(live_stack: LiveStack) -> None:
    login = _login(live_stack, keep_cookies=True)
    landed = _post(login)
    assert landed.status_code == 200
    assert 'data-testid="greeting"' in landed.text
