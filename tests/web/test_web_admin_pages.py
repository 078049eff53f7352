"""Admin pages over real HTTP: token sign-in, registrations list, self-check, manual form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from flask.testing import FlaskClient

from lti.platforms import PENDING, PlatformSpec, add_platform, find_registration
from plugin.actors import Role
from tests.live import LiveStack
from web.cli import cli


@pytest.fixture(autouse=True)
def healthy_lms(live_stack: LiveStack) -> Iterator[None]:
    yield
    for platform in live_stack.platforms.values():
        platform.services.down = False


def _sign_in(stack: LiveStack) -> requests.Session:
    result = stack.tandem.test_cli_runner().invoke(cli, ["admin", "token"])
    assert result.exit_code == 0, result.output
    link = result.output.splitlines()[0]
    assert link.startswith(f"{stack.tandem_url}/admin/sign-in?token=")
    http = requests.Session()
    form = http.get(link, timeout=10)
    token = re.search(r'name="token" type="password" autocomplete="off" value="([^"]+)"', form.text)
    assert token, form.text
    signed_in = http.post(
        f"{stack.tandem_url}/admin/sign-in", data={"token": token.group(1)}, timeout=10
    )
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.url == f"{stack.tandem_url}/admin/"
    return http


def _checks(page: str, registration_id: int) -> dict[str, str]:
    block = page.split(f'data-registration="{registration_id}"', 1)[1].split("</li>\n    </ul>")[0]
    return dict(re.findall(r'data-check="(\w+)" data-ok="(\w+)"', block))


def _registration_id(stack: LiveStack, slug: str) -> int:
    platform = stack.platform(slug)
    with stack.session_factory() as db:
        row = find_registration(db, platform.issuer, platform.client_id)
        assert row is not None
        return row.id


def test_admin_pages_need_an_admin(live_stack: LiveStack) -> None:
    page = requests.get(f"{live_stack.tandem_url}/admin/", timeout=10)
    assert page.status_code == 403
    assert "Only Tandem administrators" in page.text


def test_sign_in_token_works_once(live_stack: LiveStack) -> None:
    result = live_stack.tandem.test_cli_runner().invoke(cli, ["admin", "token"])
    token = result.output.splitlines()[0].rsplit("=", 1)[1]
    url = f"{live_stack.tandem_url}/admin/sign-in"
    first = requests.post(url, data={"token": token}, allow_redirects=False, timeout=10)
    again = requests.post(url, data={"token": token}, allow_redirects=False, timeout=10)
    assert first.status_code == 303
    assert first.headers["Location"].endswith("/admin/")
    assert again.status_code == 403
    assert "not valid any more" in again.text


def test_list_and_self_check(live_stack: LiveStack) -> None:
    http = _sign_in(live_stack)
    leiden = live_stack.platform("leiden")
    page = http.get(f"{live_stack.tandem_url}/admin/", timeout=10).text
    for platform in live_stack.platforms.values():
        assert platform.issuer in page
        assert platform.client_id in page
        assert platform.deployment_id in page
    registration_id = _registration_id(live_stack, "leiden")

    healthy = http.post(
        f"{live_stack.tandem_url}/admin/registrations/{registration_id}/check", timeout=20
    )
    assert healthy.status_code == 200
    assert _checks(healthy.text, registration_id) == {
        "status": "yes",
        "deployments": "yes",
        "jwks": "yes",
        "token": "yes",
    }
    assert leiden.kid in healthy.text

    leiden.services.down = True
    broken = http.post(
        f"{live_stack.tandem_url}/admin/registrations/{registration_id}/check", timeout=20
    )
    checks = _checks(broken.text, registration_id)
    assert checks["token"] == "no"
    assert checks["jwks"] == "yes"
    assert "HTTP 503" in broken.text


def test_admin_makes_a_registration_url(live_stack: LiveStack) -> None:
    http = _sign_in(live_stack)
    page = http.post(f"{live_stack.tandem_url}/admin/registration-invite", timeout=10)
    url = re.search(r'data-testid="invite-url">([^<]+)<', page.text)
    assert url
    assert url.group(1).startswith(f"{live_stack.tandem_url}/lti/register?invite=")


def test_manual_registration_activate_and_remove(live_stack: LiveStack) -> None:
    http = _sign_in(live_stack)
    url = f"{live_stack.tandem_url}/admin/registrations"
    form = {
        "name": "Utrecht Brightspace",
        "institution_name": "Universiteit Utrecht",
        "issuer": "https://uu.brightspace.example",
        "client_id": "uu-client-1",
        "auth_login_url": "https://uu.brightspace.example/d2l/lti/authenticate",
        "auth_token_url": "https://auth.brightspace.example/core/connect/token",
        "key_set_url": "https://uu.brightspace.example/d2l/.well-known/jwks",
        "deployment_ids": "dep-1, dep-2",
        "token_audience": "https://api.brightspace.com/auth/token",
    }
    bad = http.post(url, data={**form, "key_set_url": "not a url"}, timeout=10)
    assert bad.status_code == 400
    assert "absolute http or https address" in bad.text
    assert 'value="uu-client-1"' in bad.text  # the form comes back filled in

    added = http.post(url, data=form, timeout=10)
    assert added.status_code == 200
    assert "uu-client-1" in added.text
    with live_stack.session_factory() as db:
        row = find_registration(db, form["issuer"], form["client_id"])
        assert row is not None
        assert row.token_audience == "https://api.brightspace.com/auth/token"
        assert row.source == "manual"
        assert sorted(d.deployment_id for d in row.deployments) == ["dep-1", "dep-2"]
        registration_id = row.id
    duplicate = http.post(url, data=form, timeout=10)
    assert duplicate.status_code == 409

    with live_stack.session_factory() as db:
        pending = add_platform(
            db,
            PlatformSpec(
                issuer="https://moodle.example.org",
                client_id="m-1",
                name="Moodle pending",
                auth_login_url="https://moodle.example.org/mod/lti/auth.php",
                auth_token_url="https://moodle.example.org/mod/lti/token.php",
                key_set_url="https://moodle.example.org/mod/lti/certs.php",
                status=PENDING,
            ),
        )
        pending_id = pending.id
    page = http.get(f"{live_stack.tandem_url}/admin/", timeout=10).text
    assert 'data-status="pending"' in page
    http.post(f"{url}/{pending_id}/activate", timeout=10)
    with live_stack.session_factory() as db:
        activated = find_registration(db, "https://moodle.example.org", "m-1")
        assert activated is not None
        assert activated.status == "active"

    for one in (registration_id, pending_id):
        assert http.post(f"{url}/{one}/remove", timeout=10).status_code == 200
    with live_stack.session_factory() as db:
        assert find_registration(db, form["issuer"], form["client_id"]) is None
    assert http.post(f"{url}/{registration_id}/remove", timeout=10).status_code == 404


def test_launched_lms_admin_is_an_admin(client: FlaskClient) -> None:
    with client.session_transaction() as web_session:
        web_session["person_id"] = 1
        web_session["role"] = Role.ADMIN.value
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as web_session:
        web_session["role"] = Role.TEACHER.value
    assert client.get("/admin/").status_code == 403
