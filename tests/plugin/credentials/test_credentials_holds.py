"""A sign-off whose institution has no country holds the credential instead of losing it;
setting the country (the edit use case) or a retry issues it."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.completion.service import approve_completion
from plugin.credentials.holds import held_for_exchange, issue_or_hold, my_held, retry_held
from plugin.credentials.institution_admin import edit_institution
from plugin.credentials.models import Credential, HeldIssuance
from plugin.credentials.service import IssuerContext
from plugin.errors import InvalidInput, NotFound
from plugin.people.institutions import InstitutionDetails
from plugin.people.models import Person
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)

CTX = IssuerContext("https://tandem.example", "s" * 40)


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _approved_without_country(session: Session, cw: CompletionWorld) -> tuple[int, int]:
    make_ready(session, cw, cw.rooms.alice)
    completion = approve_completion(
        session, cw.rooms.teacher, cw.exchange_id, cw.rooms.alice.person_id
    ).completion
    alice = session.get(Person, cw.rooms.alice.person_id)
    assert alice is not None
    alice.institution.country = None
    session.commit()
    return completion.id, alice.institution_id


def _credentials(session: Session, person_id: int) -> list[Credential]:
    return list(session.scalars(select(Credential).where(Credential.person_id == person_id)))


def test_sign_off_without_country_holds_and_the_edit_issues_it(
    session: Session, cw: CompletionWorld
) -> None:
    completion_id, institution_id = _approved_without_country(session, cw)
    outcome = issue_or_hold(session, cw.rooms.teacher, completion_id, CTX)
    assert outcome.credential is None
    assert outcome.held is not None
    assert "no country" in outcome.held.reason
    assert set(held_for_exchange(session, cw.exchange_id)) == {cw.rooms.alice.person_id}
    assert my_held(session, cw.rooms.alice, cw.exchange_id) is not None
    assert my_held(session, cw.rooms.bruno, cw.exchange_id) is None
    assert _credentials(session, cw.rooms.alice.person_id) == []
    # The same sign-off again stays one held row.
    issue_or_hold(session, cw.rooms.teacher, completion_id, CTX)
    assert len(session.scalars(select(HeldIssuance)).all()) == 1

    with pytest.raises(InvalidInput, match="ISO 3166"):
        edit_institution(session, institution_id, InstitutionDetails(country="XQ"), CTX)
    edited = edit_institution(
        session,
        institution_id,
        InstitutionDetails(country="nl", legal_name="Universiteit Leiden", url="https://x.nl"),
        CTX,
    )
    assert edited.institution.country == "NL"
    assert (edited.retried.issued, edited.retried.still_held) == (1, 0)
    [credential] = _credentials(session, cw.rooms.alice.person_id)
    assert credential.issued_by_id == cw.rooms.teacher.person_id
    assert credential.document is not None
    assert credential.document["issuer"]["address"]["addressCountryCode"] == "NL"
    assert held_for_exchange(session, cw.exchange_id) == {}


def test_retry_issues_what_became_possible_and_keeps_the_rest(
    session: Session, cw: CompletionWorld
) -> None:
    completion_id, institution_id = _approved_without_country(session, cw)
    issue_or_hold(session, cw.rooms.teacher, completion_id, CTX)
    report = retry_held(session, CTX)
    assert (report.issued, report.still_held) == (0, 1)
    alice = session.get(Person, cw.rooms.alice.person_id)
    assert alice is not None
    alice.institution.country = "NL"
    session.commit()
    report = retry_held(session, CTX, institution_id)
    assert (report.issued, report.still_held) == (1, 0)
    assert len(_credentials(session, cw.rooms.alice.person_id)) == 1


def test_with_a_country_it_issues_at_once_and_bad_details_are_refused(
    session: Session, cw: CompletionWorld
) -> None:
    make_ready(session, cw, cw.rooms.alice)
    completion = approve_completion(
        session, cw.rooms.teacher, cw.exchange_id, cw.rooms.alice.person_id
    ).completion
    outcome = issue_or_hold(session, cw.rooms.teacher, completion.id, CTX)
    assert outcome.credential is not None
    assert outcome.held is None
    with pytest.raises(NotFound):
        edit_institution(session, 999_999, InstitutionDetails(name="X"), CTX)
    alice = session.get(Person, cw.rooms.alice.person_id)
    assert alice is not None
    for bad in (
        InstitutionDetails(name=" "),
        InstitutionDetails(url="ftp://uni.example"),
        InstitutionDetails(legal_name="x" * 301),
    ):
        with pytest.raises(InvalidInput):
            edit_institution(session, alice.institution_id, bad, CTX)


def test_the_teacher_hears_once_that_a_credential_is_held(
    session: Session, cw: CompletionWorld
) -> None:
    from plugin.notifications.models import Notification

    completion_id, _ = _approved_without_country(session, cw)
    issue_or_hold(session, cw.rooms.teacher, completion_id, CTX)
    issue_or_hold(session, cw.rooms.teacher, completion_id, CTX)  # asked again: still held
    notices = session.scalars(
        select(Notification).where(Notification.kind == "issuance_held")
    ).all()
    assert [n.person_id for n in notices] == [cw.rooms.teacher.person_id]
    assert notices[0].params["exchange"]
    assert notices[0].params["learner"] == "Alice"
    assert notices[0].target == f"exchange:{cw.exchange_id}"
