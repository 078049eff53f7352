"""Registration -> institution details -> activation -> launch, against the demo Moodle over
HTTP: an uninvited registration waits (and its page says so and stays open), the Tandem admin
is told and completes the institution, and the teacher who launched in between got a page
that says what is going on."""

from __future__ import annotations

import re

import requests
from sqlalchemy import select

from lti.models import Registration
from tests.live import Launcher, LiveStack
from web.cli import cli


def _admin(stack: LiveStack) -> requests.Session:
    link = stack.tandem.test_cli_runner().invoke(cli, ["admin", "token"]).output.splitlines()[0]
    http = requests.Session()
    token = link.rsplit("=", 1)[1]
    signed_in = http.post(f"{stack.tandem_url}/admin/sign-in", data={"token": token}, timeout=10)
    assert signed_in.status_code == 200, signed_in.text
    return http


def test_uninvited_moodle_registration_details_activation_launch(open_stack: LiveStack) -> None:
    platform = open_stack.platform("bologna")
    host = open_stack.demo_url.removeprefix("http://")
    admin_page = requests.post(
        f"{open_stack.demo_url}/bologna/admin/register",
        data={"tool_url": f"{open_stack.tandem_url}/lti/register"},
        timeout=10,
    )
    src = re.search(r'src="([^"]+/lti/register\?[^"]+)"', admin_page.text)
    assert src, admin_page.text
    page = requests.get(src.group(1).replace("&amp;", "&"), timeout=10)
    assert page.status_code == 200, page.text
    assert 'data-status="pending"' in page.text
    assert 'data-testid="waiting-for-admin"' in page.text
    assert 'data-close-now="no"' in page.text  # the Moodle admin gets to read it

    with open_stack.session_factory() as db:
        registration = db.scalars(
            select(Registration).where(Registration.issuer == platform.issuer)
        ).one()
        assert registration.name == f"Moodle ({host})"
        assert registration.institution.name == f"Moodle ({host})"
        assert registration.institution.country is None
        registration_id, institution_id = registration.id, registration.institution_id

    admin = _admin(open_stack)
    overview = admin.get(f"{open_stack.tandem_url}/admin/", timeout=10).text
    notice = re.search(r'data-testid="pending-notice">([^<]*)<', overview)
    assert notice, overview
    assert f"Moodle ({host})" in notice.group(1)
    assert 'data-testid="incomplete-notice"' in overview
    assert f"/admin/institutions/{institution_id}" in overview

    # Moodle's own admin activates the tool there; Tandem still waits, and says so.
    requests.post(f"{open_stack.demo_url}/bologna/admin/activate", timeout=10)
    teacher = platform.teacher.user_id
    waiting = requests.get(
        f"{open_stack.demo_url}/bologna/launch/{teacher}?target=window", timeout=10
    )
    assert waiting.url.startswith(f"{open_stack.tandem_url}/lti/login")
    assert waiting.status_code == 403
    assert "Tandem is not active here yet" in waiting.text
    assert 'data-reason="registration_pending"' in waiting.text

    edit_url = f"{open_stack.tandem_url}/admin/institutions/{institution_id}"
    form = admin.get(edit_url, timeout=10)
    assert form.status_code == 200
    assert 'name="country"' in form.text
    bad = admin.post(edit_url, data={"name": "Università di Bologna", "country": "Italy"})
    assert bad.status_code == 400
    assert "ISO 3166" in bad.text
    saved = admin.post(
        edit_url,
        data={
            "name": "Università di Bologna",
            "country": "IT",
            "legal_name": "Alma Mater Studiorum - Università di Bologna",
            "url": "https://www.unibo.it",
        },
        timeout=10,
    )
    assert saved.status_code == 200
    assert saved.url.endswith("/admin/institutions")
    assert "The details of Università di Bologna are saved." in saved.text
    activated = admin.post(
        f"{open_stack.tandem_url}/admin/registrations/{registration_id}/activate", timeout=10
    )
    assert activated.status_code == 200
    after = activated.text
    assert 'data-testid="admin-notices"' not in after

    landed = Launcher(open_stack).full_launch("bologna", teacher)
    assert landed.status_code == 200, landed.text
    with open_stack.session_factory() as db:
        activated_row = db.get(Registration, registration_id)
        assert activated_row is not None
        assert activated_row.status == "active"
        assert (activated_row.institution.name, activated_row.institution.country) == (
            "Università di Bologna",
            "IT",
        )


def test_institution_pages_are_for_admins_only(open_stack: LiveStack) -> None:
    anyone = requests.Session()
    assert anyone.get(f"{open_stack.tandem_url}/admin/institutions", timeout=10).status_code == 403
    assert (
        anyone.post(
            f"{open_stack.tandem_url}/admin/institutions/1", data={}, timeout=10
        ).status_code
        == 403
    )
