"""Deep Linking 2.0 round trip through the demo LMS, and the course-copy question."""

from __future__ import annotations

import re
from html import unescape

import requests

from demo.platforms import DemoLink
from demo.testing import launch_form_fields, verify_with_jwks
from lti.claims import EXCHANGE_PARAMETER
from tests.live import LiveStack

_RETURN_FORM = re.compile(r'<form id="deep-link-return" method="post" action="([^"]+)">')
_JWT = re.compile(r'<input type="hidden" name="JWT" value="([^"]+)">')


def _launch(stack: LiveStack, slug: str, user_id: str, **query: str) -> requests.Response:
    http = requests.Session()
    params = {"target": "window", **query}
    page = http.get(f"{stack.demo_url}/{slug}/launch/{user_id}", params=params, timeout=10)
    assert page.status_code == 200, page.text
    form = launch_form_fields(page.text)
    landed = http.post(form.pop("action"), data=form, timeout=10)
    landed.http = http  # type: ignore[attr-defined]
    return landed


def test_a_teacher_creates_an_exchange_and_the_lms_gets_a_signed_placement(
    live_stack: LiveStack,
) -> None:
    platform = live_stack.platform("leiden")
    picker = _launch(live_stack, "leiden", platform.teacher.user_id, message="deep_link")
    assert picker.status_code == 200, picker.text
    assert "/lti/deep-link/" in picker.url
    http: requests.Session = picker.http  # type: ignore[attr-defined]

    answer = http.post(
        picker.url,
        data={
            "action": "create",
            "title": "Cities in Transition",
            "starts_on": "2027-02-01",
            "ends_on": "2027-04-30",
            "languages": "en, nl",
        },
        timeout=10,
    )

    assert answer.status_code == 200, answer.text
    action = _RETURN_FORM.search(answer.text)
    token = _JWT.search(answer.text)
    assert action is not None
    assert token is not None
    assert unescape(action.group(1)) == platform.deep_link_return_url
    assert f"form-action 'self' {live_stack.demo_url}" in answer.headers["Content-Security-Policy"]
    jwks = requests.get(f"{live_stack.tandem_url}/lti/jwks", timeout=10).json()
    claims = verify_with_jwks(token.group(1), jwks, audience=platform.issuer)
    assert claims["iss"] == platform.client_id
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == (
        "LtiDeepLinkingResponse"
    )
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == (
        platform.deployment_id
    )
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "picker-leiden"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    exchange_id = item["custom"][EXCHANGE_PARAMETER]
    assert exchange_id.isdigit()
    assert item == {
        "type": "ltiResourceLink",
        "title": "Cities in Transition",
        "url": f"{live_stack.tandem_url}/lti/launch",
        "custom": {EXCHANGE_PARAMETER: exchange_id},
        "lineItem": {
            "scoreMaximum": 100,
            "label": "Cities in Transition",
            "resourceId": f"tandem-exchange-{exchange_id}",
            "tag": "tandem",
        },
    }

    placed = http.post(action.group(1), data={"JWT": token.group(1)}, timeout=10)
    assert placed.status_code == 200, placed.text
    link = next(
        link
        for link in platform.links.values()
        if link.custom.get(EXCHANGE_PARAMETER) == exchange_id
    )
    assert link.lineitem_id is not None
    assert platform.services.lineitems[link.lineitem_id].resource_link_id == link.resource_link_id

    # The new placement launches with its custom parameter and lands on Tandem.
    student = platform.students[0]
    landed = _launch(live_stack, "leiden", student.user_id, link=link.resource_link_id)
    assert landed.status_code == 200
    assert landed.url.startswith(live_stack.tandem_url)

    # Picking the same exchange again returns it without creating another.
    picker = _launch(live_stack, "leiden", platform.teacher.user_id, message="deep_link")
    assert "Cities in Transition" in picker.text
    again = picker.http.post(  # type: ignore[attr-defined]
        picker.url, data={"action": "pick", "exchange_id": exchange_id}, timeout=10
    )
    token = _JWT.search(again.text)
    assert token is not None
    claims = verify_with_jwks(token.group(1), jwks, audience=platform.issuer)
    items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert items[0]["custom"] == {EXCHANGE_PARAMETER: exchange_id}

    # A copied course (Bologna's placement now points at Leiden's exchange) asks its teacher.
    bologna = live_stack.platform("bologna")
    copied = DemoLink("copied-link", "Tandem (copied)", custom={EXCHANGE_PARAMETER: exchange_id})
    bologna.links[copied.resource_link_id] = copied
    asked = _launch(live_stack, "bologna", bologna.teacher.user_id, link="copied-link")
    assert asked.status_code == 200
    assert asked.url == f"{live_stack.tandem_url}/lti/placement"
    student_lands = _launch(live_stack, "bologna", bologna.students[0].user_id, link="copied-link")
    assert student_lands.status_code == 200
    assert "/lti/placement" not in student_lands.url  # only teachers are asked


def test_a_student_cannot_open_the_picker_and_bad_input_is_a_clear_error(
    live_stack: LiveStack,
) -> None:
    platform = live_stack.platform("bologna")
    refused = requests.get(
        f"{live_stack.demo_url}/bologna/launch/{platform.students[0].user_id}",
        params={"target": "window", "message": "deep_link"},
        timeout=10,
    )
    assert refused.status_code == 403
    picker = _launch(live_stack, "bologna", platform.teacher.user_id, message="deep_link")
    bad = picker.http.post(  # type: ignore[attr-defined]
        picker.url, data={"action": "create", "title": "x", "starts_on": "soon"}, timeout=10
    )
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in bad.text
    unknown = picker.http.post(  # type: ignore[attr-defined]
        picker.url, data={"action": "pick", "exchange_id": "999999"}, timeout=10
    )
    assert unknown.status_code == 404
    expired = requests.get(f"{live_stack.tandem_url}/lti/deep-link/not-a-token", timeout=10)
    assert expired.status_code == 401
