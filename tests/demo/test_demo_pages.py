"""The demo LMS's pages: what a person sees before Tandem is launched."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from demo.platforms import DemoPlatform


def test_home_lists_both_universities(demo_client: FlaskClient) -> None:
    html = demo_client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'href="/leiden/"' in html
    assert 'href="/bologna/"' in html
    assert "Universiteit Leiden" in html
    assert "Università di Bologna" in html


@pytest.mark.parametrize("slug", ["leiden", "bologna"])
def test_course_page_lists_people_with_both_launch_links(
    demo_client: FlaskClient, platforms: dict[str, DemoPlatform], slug: str
) -> None:
    platform = platforms[slug]
    html = demo_client.get(f"/{slug}/").get_data(as_text=True)
    assert f"theme-{platform.lms_style}" in html
    assert platform.course.title in html
    assert len(platform.students) >= 6
    assert len({user.country for user in platform.users}) >= 4
    for user in platform.users:
        assert user.name in html
        assert f'href="/{slug}/course/{user.user_id}"' in html
        assert f'href="/{slug}/launch/{user.user_id}?target=window" target="_blank"' in html
    assert html.count("Open in course") == len(platform.users)
    assert html.count("Open in new window") == len(platform.users)


def test_course_frame_embeds_the_launch_in_an_accessible_iframe(
    demo_client: FlaskClient, platforms: dict[str, DemoPlatform]
) -> None:
    student = platforms["bologna"].students[0]
    html = demo_client.get(f"/bologna/course/{student.user_id}").get_data(as_text=True)
    iframe = re.search(r"<iframe[^>]*>", html)
    assert iframe is not None
    tag = iframe.group(0)
    assert 'title="Tandem' in tag
    assert f'src="/bologna/launch/{student.user_id}?target=iframe"' in tag
    assert 'allow="camera; microphone; fullscreen; clipboard-write"' in tag
    assert f'href="/bologna/launch/{student.user_id}?target=window"' in html


@pytest.mark.parametrize(
    "path", ["/paris/", "/leiden/course/nobody", "/bologna/launch/999", "/paris/jwks"]
)
def test_unknown_university_or_user_is_a_404_page(demo_client: FlaskClient, path: str) -> None:
    response = demo_client.get(path)
    assert response.status_code == 404
    assert '<html lang="en">' in response.get_data(as_text=True)


def test_home_walks_through_the_story_with_links_to_who_to_click(
    demo_client: FlaskClient, platforms: dict[str, DemoPlatform]
) -> None:
    html = demo_client.get("/").get_data(as_text=True)
    steps = html[html.index('data-testid="walkthrough"') :]
    leiden = platforms["leiden"]
    teacher = f'href="/leiden/course/{leiden.teacher.user_id}" data-testid="step-teacher"'
    student = f'href="/leiden/course/{leiden.students[2].user_id}" data-testid="step-student"'
    assert teacher in steps
    assert student in steps
    assert (
        steps.index("Form teams")
        < steps.index("Go to your team room")
        < steps.index("Sign off")
        < steps.index("verify")
    )
    assert 'href="http://tandem.test/verify"' in steps
    assert "24 students" in steps
    assert "make demo-reset" in steps
