"""Dynamic registration in a real browser: the demo LMS admin's button opens Tandem's
``/lti/register`` in an iframe, Tandem registers itself and asks the LMS to close it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from demo.registration import new_registration_token, openid_configuration_url
from lti.platforms import find_registration
from tests.browser.test_browser_launch import axe_violations, page  # noqa: F401 (fixture)
from tests.conftest import MakeDatabase
from tests.live import LiveStack, running_stack
from web.cli import cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fresh_stack(
    tmp_path_factory: pytest.TempPathFactory, make_database: MakeDatabase
) -> Iterator[LiveStack]:
    database, instance = make_database("sqlite", migrated=True), tmp_path_factory.mktemp("fresh")
    with running_stack(database, instance, register=False) as stack:
        yield stack


def test_lms_admin_registers_tandem_with_one_click(
    page: Any,  # noqa: F811
    fresh_stack: LiveStack,
) -> None:
    platform = fresh_stack.platform("leiden")
    invite_url = (
        fresh_stack.tandem.test_cli_runner().invoke(cli, ["platform", "invite"]).output.strip()
    )
    page.goto(f"{fresh_stack.demo_url}/leiden/admin")
    assert axe_violations(page) == []
    page.get_by_label("Tool registration URL").fill(invite_url)
    page.get_by_role("button", name="Register Tandem (dynamic)").click()
    page.wait_for_selector("body[data-registration-closed='1']", timeout=15000)

    assert "Registration finished" in page.locator("#registration-status").inner_text()
    with fresh_stack.session_factory() as db:
        registration = find_registration(db, platform.issuer, platform.client_id)
        assert registration is not None
        assert (registration.status, registration.source) == ("active", "dynamic")


def test_registration_pages_pass_axe(
    page: Any,  # noqa: F811
    fresh_stack: LiveStack,
) -> None:
    platform = fresh_stack.platform("bologna")
    page.goto(
        f"{fresh_stack.tandem_url}/lti/register?openid_configuration="
        f"{openid_configuration_url(platform)}&registration_token={new_registration_token(platform)}"
    )
    page.locator("[data-client-id]").wait_for(timeout=15000)
    assert axe_violations(page) == []
    page.goto(f"{fresh_stack.tandem_url}/lti/register")
    assert page.locator("[data-registration-error]").count() == 1
    assert axe_violations(page) == []
