"""plugin.errors.FieldErrors: a use case checks every field and raises once with all errors,
each named after its form input; InvalidInput raised the old way still works."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from plugin.errors import FieldErrors, InvalidInput, NotFound
from plugin.i18n import N_
from plugin.profiles.service import ProfileDraft, save_profile
from tests.plugin.exchanges.world import make_world


def test_the_collector_keeps_every_error_in_order_and_names_unnamed_ones() -> None:
    errors = FieldErrors()
    with errors.field("title"):
        raise InvalidInput(N_("The title must be 1-200 characters."))
    with errors.field("title"):  # the same error twice is listed once
        raise InvalidInput(N_("The title must be 1-200 characters."))
    with errors.field("languages"):
        raise InvalidInput(N_("Choose at least one language."), "lang-1")  # its own name wins
    errors.add(None, N_("Something about the whole form."))
    with errors.field("weekly_hours"):
        pass  # no error: nothing recorded
    assert errors.failed("title")
    assert not errors.failed("weekly_hours")
    with pytest.raises(InvalidInput) as raised:
        errors.raise_if_any()
    assert raised.value.errors == [
        ("title", "The title must be 1-200 characters."),
        ("lang-1", "Choose at least one language."),
        (None, "Something about the whole form."),
    ]
    assert raised.value.message == "The title must be 1-200 characters."
    assert raised.value.field == "title"


def test_an_empty_collector_raises_nothing_and_other_errors_pass_through() -> None:
    errors = FieldErrors()
    errors.raise_if_any()
    assert not errors
    with pytest.raises(NotFound), errors.field("code"):
        raise NotFound(N_("This join code is not valid."), "code")
    assert not errors


def test_old_raise_sites_keep_working() -> None:
    error = InvalidInput("Plain message")
    assert error.field is None
    assert error.errors == [(None, "Plain message")]
    assert error.field_errors == [(None, "Plain message")]
    assert NotFound("Gone", "code").field_errors == [("code", "Gone")]


def test_a_profile_with_three_mistakes_reports_all_three(session: Session) -> None:
    world = make_world(session)
    student = world.arrive("leiden", "s1")
    draft = ProfileDraft(
        display_name="x" * 81,
        pronouns="",
        time_zone="Mars/Base",
        slots=frozenset(),
        languages=(("nl", "native"), ("xx", "B2"), ("", "")),
        discipline="",
        interests=(),
        consents=frozenset(),
    )
    with pytest.raises(InvalidInput) as raised:
        save_profile(session, student, draft, date(2027, 2, 1))
    assert [field for field, _message in raised.value.errors] == [
        "display_name",
        "time_zone",
        "slot",
        "lang-1",
    ]
