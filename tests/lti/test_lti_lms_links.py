"""The LMS page Tandem's activity sits on, from what Moodle and Brightspace send; and a real
launch from the demo Moodle stores it on the course."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from lti.claims import ContextClaim, LaunchClaims
from lti.lms_links import activity_url
from plugin.courses.models import Course, CourseLink
from tests.live import Launcher, LiveStack

BASE = LaunchClaims(
    issuer="https://moodle.unibo.example",
    client_id="c",
    deployment_id="1",
    subject="s",
    message_type="LtiResourceLinkRequest",
    roles=(),
    resource_link_id="7",
    context=ContextClaim("42", "Clima", "CLIMA"),
    return_url="https://moodle.unibo.example/mod/lti/return.php?course=42&sesskey=abc",
    platform_family="moodle",
)


def test_moodle_links_the_activity_and_never_the_sesskey_return_url() -> None:
    assert activity_url(BASE) == "https://moodle.unibo.example/mod/lti/view.php?l=7"
    slash = replace(BASE, issuer="https://moodle.unibo.example/")
    assert activity_url(slash) == "https://moodle.unibo.example/mod/lti/view.php?l=7"
    assert activity_url(replace(BASE, resource_link_id="a-uuid")) is None


def test_brightspace_links_the_course_home_and_others_fall_back() -> None:
    d2l = replace(
        BASE,
        issuer="https://leiden.brightspace.example",
        platform_family="desire2learn",
        context=ContextClaim("6606", "Climate", "CLIM"),
        resource_link_id="8c2f1e4a",
    )
    assert activity_url(d2l) == "https://leiden.brightspace.example/d2l/home/6606"
    assert activity_url(replace(d2l, context=ContextClaim("_12345_1", None, None))) is None
    assert activity_url(replace(BASE, platform_family="canvas")) is None
    assert activity_url(replace(BASE, platform_family=None)) is None
    assert activity_url(replace(BASE, issuer="javascript:alert(1)")) is None


def test_a_moodle_launch_stores_the_activity_page_on_the_course(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    platform = live_stack.platform("bologna")
    assert launcher.full_launch("bologna", platform.teacher.user_id).status_code == 200
    with live_stack.session_factory() as db:
        stored = db.scalar(
            select(CourseLink.lms_url)
            .join(Course, Course.id == CourseLink.course_id)
            .where(Course.external_id == platform.course.context_id)
        )
    assert stored == f"{platform.issuer.rstrip('/')}/mod/lti/view.php?l=7"
