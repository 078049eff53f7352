"""The consent walk over HTTP: every page each viewer may open, with real ids.

Two universities share one exchange. Bruno (Bologna) refuses every sharing choice; Bianca
(Bologna, same team) shares everything; Alice (Leiden) refuses everything too. Three viewers
walk every GET route of the app (enumerated from ``url_map`` and ``ROUTE_AUDIENCES``, so a new
page is walked without touching this file): Alice, Bruno's partner teammate; Tess, Bruno's
partner teacher (she owns the exchange); Beatrice, Bruno's own teacher (and Alice's partner
teacher).

Two checks per viewer and page:

* **tokens**: the refusing partner student's email, LMS id, pronouns, languages, time zone,
  discipline and interests never appear, nor any partner student's email or LMS id; and what
  the rules allow does appear somewhere (Bianca's shared fields to Leiden, Bruno's time zone to
  his own teacher);
* **difference**: the refusing partner student's refused fields are switched between two
  different values (availability and time zone included, which have no token to look for) and
  every page is rendered under both: a page that changes shows something they refused. The
  same switch on Bianca, who shares, must change some page, so the check can fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from plugin.actors import Actor, Role
from plugin.completion.service import approve_completion
from plugin.courses.models import CourseMembership
from plugin.credentials.models import Credential
from plugin.credentials.service import IssuerContext, issue_credential
from plugin.exchanges.models import Exchange, Participant, ParticipantStatus, Seat
from plugin.exchanges.phases import default_phases
from plugin.matching.candidates import MatchRules
from plugin.matching.service import propose_teams
from plugin.pathways.models import Pathway, PathwayAward, PathwayComponent, PathwayEntry
from plugin.peer.service import close_round, open_round
from plugin.people.models import ExternalAccount, Person
from plugin.profiles.models import Profile
from plugin.profiles.service import SHAREABLE
from plugin.rooms.agreed import agree_meeting
from plugin.teams.models import TeamMembership
from plugin.wallet.models import WalletOffer
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)
from web.audiences import ROUTE_AUDIENCES, Audience

# Routes no viewer here may open: the LMS's messages, secret links sent to someone else,
# and the registrar's and admin's consoles (the route walk checks they refuse these viewers).
NOT_WALKED = {Audience.LMS, Audience.LINK_HOLDER, Audience.REGISTRAR, Audience.ADMIN}


@dataclass(frozen=True)
class Variant:
    """One set of values for everything a student may refuse to share, plus contact data."""

    email: str
    sub: str
    pronouns: str
    time_zone: str
    availability: list[list[int]]
    language: str
    language_name: str
    discipline: str
    interest: str

    def tokens(self) -> tuple[str, ...]:
        zone = self.time_zone.split("/")[-1]
        return (
            self.email,
            self.sub,
            self.pronouns,
            self.time_zone,
            zone,
            zone.replace("_", " "),
            self.language_name,
            self.discipline,
            self.interest,
        )


DAY = 1440
BRUNO = (
    Variant(
        "bruno.rossi@studio.unibo.example",
        "sub-bruno-7731",
        "xe/xir",
        "Pacific/Chatham",
        [[DAY + 15 * 60, DAY + 19 * 60]],
        "eu",
        "Basque",
        "Volcanology",
        "bouldering",
    ),
    Variant(
        "b.rossi2@studio.unibo.example",
        "sub-bruno-9902",
        "ey/em",
        "Asia/Kathmandu",
        [[3 * DAY + 2 * 60, 3 * DAY + 5 * 60], [5 * DAY, 5 * DAY + 600]],
        "mt",
        "Maltese",
        "Glaciology",
        "origami",
    ),
)
ALICE = (
    Variant(
        "alice.de.vries@umail.leiden.example",
        "sub-alice-4410",
        "she/zij",
        "America/Sao_Paulo",
        [[2 * DAY + 8 * 60, 2 * DAY + 12 * 60]],
        "ga",
        "Irish",
        "Speleology",
        "falconry",
    ),
    Variant(
        "a.devries@umail.leiden.example",
        "sub-alice-5521",
        "they/hen",
        "Asia/Kolkata",
        [[4 * DAY + 13 * 60, 4 * DAY + 16 * 60]],
        "cy",
        "Welsh",
        "Numismatics",
        "fencing",
    ),
)
BIANCA = (
    Variant(
        "bianca.conti@studio.unibo.example",
        "sub-bianca-3307",
        "fae/faer",
        "America/St_Johns",
        [[DAY + 15 * 60, DAY + 18 * 60]],
        "sq",
        "Albanian",
        "Cartography",
        "kitesurfing",
    ),
    Variant(
        "b.conti@studio.unibo.example",
        "sub-bianca-4418",
        "ze/hir",
        "Australia/Eucla",
        [[6 * DAY + 9 * 60, 6 * DAY + 11 * 60]],
        "is",
        "Icelandic",
        "Lexicography",
        "beekeeping",
    ),
)


@dataclass
class Walk:
    cw: CompletionWorld
    bianca: Actor
    values: dict[str, str]
    people: dict[str, int]

    def viewer(self, name: str) -> Actor:
        rooms = self.cw.rooms
        return {
            "alice": rooms.alice,
            "tess": rooms.teacher,
            "beatrice": self.cw.bologna_teacher,
        }[name]


def _apply(session: Session, person_id: int, variant: Variant, shares: bool) -> None:
    person = session.get_one(Person, person_id)
    person.email = variant.email
    account = session.scalar(select(ExternalAccount).where(ExternalAccount.person_id == person_id))
    if account is None:
        account = ExternalAccount(namespace="lti:walk", subject=variant.sub, person_id=person_id)
        session.add(account)
    account.subject = variant.sub
    profile = session.scalar(select(Profile).where(Profile.person_id == person_id))
    if profile is None:
        profile = Profile(person_id=person_id)
        session.add(profile)
    profile.pronouns = variant.pronouns
    profile.time_zone = variant.time_zone
    profile.availability = variant.availability
    profile.languages = [{"code": "en", "level": "B2"}, {"code": variant.language, "level": "C1"}]
    profile.discipline = variant.discipline
    profile.interests = [variant.interest]
    profile.consents = dict.fromkeys(SHAREABLE, shares)
    session.commit()


def _add_bianca(session: Session, cw: CompletionWorld) -> Actor:
    """A Bologna student in Bruno's team who shares everything."""
    bruno = session.get_one(Person, cw.rooms.bruno.person_id)
    bianca = Person(institution_id=bruno.institution_id, lms_name="Bianca Conti")
    session.add(bianca)
    session.flush()
    session.add_all(
        [
            CourseMembership(course_id=cw.bologna_course, person_id=bianca.id, role=Role.STUDENT),
            TeamMembership(
                team_id=cw.rooms.team_id, exchange_id=cw.exchange_id, person_id=bianca.id
            ),
        ]
    )
    session.commit()
    return Actor(bianca.id, Role.STUDENT, None)


def _participants(session: Session, cw: CompletionWorld, people: list[int]) -> dict[int, int]:
    seats = {
        s.course_id: s.id
        for s in session.scalars(select(Seat).where(Seat.exchange_id == cw.exchange_id))
    }
    ids = {}
    for person_id in people:
        existing = session.scalar(
            select(Participant).where(
                Participant.exchange_id == cw.exchange_id, Participant.person_id == person_id
            )
        )
        if existing is None:
            person = session.get_one(Person, person_id)
            bologna = (
                person.institution_id
                == session.get_one(Person, cw.rooms.bruno.person_id).institution_id
            )
            existing = Participant(
                exchange_id=cw.exchange_id,
                seat_id=seats[cw.bologna_course if bologna else cw.leiden_course],
                person_id=person_id,
                role=Role.STUDENT,
                status=ParticipantStatus.ACTIVE,
            )
            session.add(existing)
            session.flush()
        ids[person_id] = existing.id
    session.commit()
    return ids


def build_walk(app: Flask, session: Session) -> Walk:
    cw = build_completion_world(session)
    rooms = cw.rooms
    bianca = _add_bianca(session, cw)
    people = {
        "alice": rooms.alice.person_id,
        "bruno": rooms.bruno.person_id,
        "bianca": bianca.person_id,
    }
    participants = _participants(session, cw, [*people.values(), rooms.chen.person_id])
    _apply(session, people["alice"], ALICE[0], shares=False)
    _apply(session, people["bruno"], BRUNO[0], shares=False)
    _apply(session, people["bianca"], BIANCA[0], shares=True)
    # A credential (Alice's) for the public credential pages, and a matching run.
    make_ready(session, cw, rooms.alice)
    decision = approve_completion(session, rooms.teacher, cw.exchange_id, rooms.alice.person_id)
    settings = app.config["TANDEM_SETTINGS"]
    ctx = IssuerContext(settings.base_url, settings.secret_key)
    credential = session.scalar(
        select(Credential).where(Credential.completion_id == decision.completion.id)
    ) or issue_credential(session, rooms.teacher, decision.completion.id, ctx)
    run = propose_teams(
        session, rooms.teacher, cw.exchange_id, MatchRules(min_size=2, max_size=4), seconds=0.2
    )
    exchange = session.get_one(Exchange, cw.exchange_id)  # real phases, as the pages make them
    exchange.phases = [p.as_json() for p in default_phases(exchange.starts_on, exchange.ends_on)]
    session.commit()
    # An agreed meeting of the team, for its calendar file.
    meeting = agree_meeting(
        session, rooms.alice, rooms.team_id, datetime.now(UTC) + timedelta(days=3), 60
    )
    # A nano-degree pathway Alice works towards, an award and a wallet offer (rows only:
    # the walk needs their pages, tests/web/test_web_pathways_wallet.py makes them for real).
    alice = session.get_one(Person, people["alice"])
    pathway = Pathway(
        institution_id=alice.institution_id,
        name="Walk pathway",
        ects=6.0,
        eqf_level=6,
        outcomes=["Collaborate."],
    )
    session.add(pathway)
    session.flush()
    component = PathwayComponent(
        pathway_id=pathway.id,
        required=True,
        title="Walk exchange",
        exchange_id=cw.exchange_id,
        match_key=f"exchange:{cw.exchange_id}",
    )
    session.add(component)
    session.flush()
    session.add(
        PathwayEntry(
            pathway_id=pathway.id,
            person_id=alice.id,
            component_id=component.id,
            credential_id=credential.id,
        )
    )
    award = PathwayAward(
        pathway_id=pathway.id, person_id=alice.id, credential_id=credential.id, components=[]
    )
    offer = WalletOffer(
        credential_id=credential.id,
        person_id=alice.id,
        code="walk-offer-code",
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
    )
    session.add_all([award, offer])
    session.commit()
    # A closed peer round: its results page and each student's feedback page.
    moment = datetime.now(UTC)
    peer_round = open_round(
        session,
        rooms.teacher,
        cw.exchange_id,
        "Mid-point",
        moment - timedelta(hours=1),
        moment + timedelta(days=1),
    )
    close_round(session, rooms.teacher, peer_round.id)
    values = {
        "pathway_id": str(pathway.id),
        "award_id": str(award.id),
        "offer_id": str(offer.id),
        "round_id": str(peer_round.id),
        "exchange_id": str(cw.exchange_id),
        "team_id": str(rooms.team_id),
        "person_id": str(people["bruno"]),
        "participant_id": str(participants[people["bruno"]]),
        "run_id": str(run.id),
        "credential_id": credential.id,
        "list_id": str(credential.status_list_id),
        "institution_id": str(credential.institution_id),
        "meeting_id": str(meeting.id),
    }
    return Walk(cw, bianca, values, people)


def _pages(app: Flask, values: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(endpoint, path) of every GET route a viewer could open, ids filled in; fails on a
    route whose path it cannot fill (a new page needs its id named in ``values``)."""
    unfilled = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if ROUTE_AUDIENCES[rule.endpoint] in NOT_WALKED:
            continue
        missing = [name for name in rule.arguments if name not in values]
        if missing:
            unfilled.append(f"{rule.rule} needs {missing}")
            continue
        yield rule.endpoint, _fill(rule, values)
    assert not unfilled, f"the consent walk cannot fill: {unfilled}"


def _fill(rule: Rule, values: dict[str, str]) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", values[name], path)
    return path


def _sign_in(client: FlaskClient, actor: Actor) -> None:
    with client.session_transaction() as state:
        state.clear()
        state.update(
            {"person_id": actor.person_id, "role": actor.role.value, "course_id": actor.course_id}
        )


# Differs on every request, whoever looks: script nonces, form tokens, a form's fresh client
# id (a double submit's key), the room's connect token, the export's own time, and a
# person's "last seen".
VOLATILE = re.compile(
    rb'nonce="[^"]*"|name="csrf_token"[^>]*>|"token":\s*"[^"]*"|"exported_at":\s*"[^"]*"'
    rb'|"last_seen_at":\s*"[^"]*"|name="client_id" value="[^"]*"'
)


def _get(client: FlaskClient, path: str) -> tuple[int, bytes]:
    answer = client.get(path, headers={"Accept": "text/html"})
    return answer.status_code, VOLATILE.sub(b"", answer.data)


def _differences(
    client: FlaskClient,
    session: Session,
    pages: list[tuple[str, str]],
    person_id: int,
    variants: tuple[Variant, Variant],
    shares: bool,
    *,
    first_only: bool = False,
) -> list[str]:
    """Pages that change when the person's shareable fields and contact data change. A page
    that differs is rendered under both again: only a stable difference counts (a clock on
    the page may tick between two renders)."""
    changed = []
    for endpoint, path in pages:
        for _attempt in range(2):
            seen = []
            for variant in variants:
                _apply(session, person_id, variant, shares)
                seen.append(_get(client, path))
            if seen[0] == seen[1]:
                break
        else:
            changed.append(f"{endpoint} {path}")
            if first_only:
                break
    _apply(session, person_id, variants[0], shares)
    return changed


# A form's list of every time zone or language names them all: not about anyone.
CHOICES = re.compile(r"<option\b[^>]*>[^<]*</option>|<datalist\b.*?</datalist>", re.S)


def _bodies(client: FlaskClient, pages: list[tuple[str, str]]) -> dict[str, tuple[int, str]]:
    bodies = {}
    for endpoint, path in pages:
        status, data = _get(client, path)
        bodies[f"{endpoint} {path}"] = (status, CHOICES.sub("", data.decode("utf-8", "replace")))
    return bodies


def _leaks(bodies: dict[str, tuple[int, str]], tokens: tuple[str, ...]) -> list[str]:
    return [
        f"{page}: {token!r}"
        for page, (_s, text) in bodies.items()
        for token in tokens
        if token in text
    ]


def _shown(bodies: dict[str, tuple[int, str]], token: str) -> bool:
    return any(token in text for _s, text in bodies.values())


def _contact(variants: tuple[Variant, ...]) -> tuple[str, ...]:
    return tuple(token for v in variants for token in (v.email, v.sub))


def _opened(
    bodies: dict[str, tuple[int, str]], pages: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The pages the viewer got (a refusal is the same for any profile: no need to compare)."""
    return [(e, p) for e, p in pages if bodies[f"{e} {p}"][0] == 200]


def test_every_page_shows_each_viewer_only_what_the_sharing_choices_allow(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    app.config["TANDEM_RATE_LIMITS"] = False
    walk = build_walk(app, session)
    pages = list(_pages(app, walk.values))
    for viewer in ("alice", "tess"):  # Bruno's partner teammate and partner teacher
        _sign_in(client, walk.viewer(viewer))
        bodies = _bodies(client, pages)
        assert not [page for page, (status, _t) in bodies.items() if status >= 500], viewer
        opened = _opened(bodies, pages)
        assert "pages.team_room" in [e for e, _p in opened], (viewer, opened)
        assert not _leaks(bodies, (*BRUNO[0].tokens(), *_contact(BIANCA))), viewer
        # What Bianca shares reaches her partners; Bruno himself is still shown by name.
        for allowed in ("fae/faer", "Albanian", "St_Johns", "Bruno"):
            assert _shown(bodies, allowed), (viewer, allowed)
        changed = _differences(client, session, opened, walk.people["bruno"], BRUNO, False)
        assert not changed, (viewer, changed)
        # The same switch on someone who shares changes what the viewer sees.
        assert _differences(
            client, session, opened, walk.people["bianca"], BIANCA, True, first_only=True
        ), viewer
    # Bruno's own teacher sees him (time zone, availability), not what Alice refused.
    _sign_in(client, walk.viewer("beatrice"))
    bodies = _bodies(client, pages)
    assert not [page for page, (status, _t) in bodies.items() if status >= 500]
    opened = _opened(bodies, pages)
    assert not _leaks(bodies, (*ALICE[0].tokens(), *_contact(ALICE)))
    assert _shown(bodies, "Pacific/Chatham")
    assert not _differences(client, session, opened, walk.people["alice"], ALICE, False)
    assert _differences(
        client, session, opened, walk.people["bruno"], BRUNO, False, first_only=True
    )
