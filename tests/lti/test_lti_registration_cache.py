"""The launch's registration cache never outlives an edit of the platform in this process."""

from __future__ import annotations

import requests
from sqlalchemy import select, update

from demo.testing import launch_form_fields
from lti.models import Deployment, Registration
from lti.platforms import ACTIVE, RETIRED
from tests.live import Launcher, LiveStack


def _registration(stack: LiveStack, slug: str) -> tuple[str, str]:
    platform = stack.platform(slug)
    return platform.issuer, platform.client_id


def _attempt(stack: LiveStack, slug: str, user_id: str) -> requests.Response:
    """A launch from the demo LMS that may be refused at the login or at the launch."""
    http = requests.Session()
    url = f"{stack.demo_url}/{slug}/launch/{user_id}?target=window"
    page = http.get(url, timeout=10)
    if page.status_code != 200:
        return page
    form = launch_form_fields(page.text)
    return http.post(form.pop("action"), data=form, timeout=10)


def _set_status(stack: LiveStack, slug: str, status: str) -> None:
    """As the admin pages do: load the row, change it, commit."""
    issuer, client_id = _registration(stack, slug)
    with stack.session_factory() as db:
        row = db.scalar(
            select(Registration).where(
                Registration.issuer == issuer, Registration.client_id == client_id
            )
        )
        assert row is not None
        row.status = status
        db.commit()


def test_a_retired_registration_is_refused_at_once_and_welcome_again_after(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    user = live_stack.platform("bologna").students[0].user_id
    assert launcher.full_launch("bologna", user).status_code == 200  # cached now
    _set_status(live_stack, "bologna", RETIRED)
    try:
        refused = _attempt(live_stack, "bologna", user)
        assert refused.status_code == 403, refused.text
    finally:
        _set_status(live_stack, "bologna", ACTIVE)
    assert launcher.full_launch("bologna", user).status_code == 200


def test_a_removed_deployment_is_refused_at_once(launcher: Launcher, live_stack: LiveStack) -> None:
    platform = live_stack.platform("leiden")
    user = platform.students[1].user_id
    assert launcher.full_launch("leiden", user).status_code == 200
    issuer, client_id = _registration(live_stack, "leiden")
    with live_stack.session_factory() as db:
        registration_id = db.scalar(
            select(Registration.id).where(
                Registration.issuer == issuer, Registration.client_id == client_id
            )
        )
        db.execute(  # a bulk statement, no ORM rows: the cache must notice this too
            update(Deployment)
            .where(Deployment.registration_id == registration_id)
            .values(deployment_id="moved-elsewhere")
        )
        db.commit()
    try:
        refused = _attempt(live_stack, "leiden", user)
        assert refused.status_code == 403, refused.text
        assert "deployment" in refused.text.lower()
    finally:
        with live_stack.session_factory() as db:
            db.execute(
                update(Deployment)
                .where(Deployment.registration_id == registration_id)
                .values(deployment_id=platform.deployment_id)
            )
            db.commit()
    assert launcher.full_launch("leiden", user).status_code == 200
