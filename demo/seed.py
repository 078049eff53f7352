"""``python -m demo seed``: a ready exchange between Leiden and Bologna, every student onboarded.

So that the demo shows its value at once: Leiden's teacher opens the activity, clicks "Form
teams" and gets teams of students from both universities whose time zones, availability and
languages make the matching visible (four continents, Tuesday-only and Thursday-only people,
English from B1 to C2 next to a second language).

Everything goes through the same use cases a launch and the pages use (enter_course with the
demo LMS's own launch claims parsed by lti/, create_exchange, issue_join_code, request_seat,
decide_seat, enter_exchange, save_profile), never raw SQL. Idempotent: each step first looks
whether it is done, so a second run writes nothing. Every rostered student is onboarded: a
participant without a profile would have no availability and could make matching infeasible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti.claims import parse
from lti.launch import ValidLaunch, to_entry
from lti.platforms import PlatformSpec, add_platform, find_registration
from plugin.actors import Actor, Role
from plugin.courses.models import Course
from plugin.courses.service import enter_course
from plugin.exchanges.models import Exchange, Participant, ParticipantStatus, Seat, SeatStatus
from plugin.exchanges.service import (
    ExchangeDraft,
    create_exchange,
    decide_seat,
    enter_exchange,
    issue_join_code,
    profile_is_complete,
    request_seat,
)
from plugin.people.models import ExternalAccount
from plugin.profiles import availability
from plugin.profiles.service import SHAREABLE, ProfileDraft, find_profile, save_profile

from .platforms import DemoPlatform, DemoUser

EXCHANGE_TITLE = "Climate and Cities: Leiden × Bologna"  # noqa: RUF001 (the multiplication sign)
EXCHANGE_DESCRIPTION = (
    "Students of Universiteit Leiden and Università di Bologna compare how their cities adapt "
    "to heat and water, in international teams of four to six."
)
OWNER_SLUG, PARTNER_SLUG = "leiden", "bologna"

# Core meeting windows in UTC (weekday, first hour, last hour): late morning to afternoon in
# Europe is evening in Asia and early morning in the Americas, so every zone has some of it.
TUESDAY, THURSDAY = (1, 11, 17), (3, 11, 17)


@dataclass(frozen=True)
class DemoProfile:
    """How one demo student fills in onboarding."""

    time_zone: str
    days: tuple[tuple[int, int, int], ...]
    languages: tuple[tuple[str, str], ...]
    discipline: str
    pronouns: str = ""
    extra: tuple[tuple[int, int], ...] = ()
    """More local grid cells (weekday, start minute), beyond the core windows."""
    interests: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    """Profile fields this student does not share with teammates elsewhere."""


BOTH = (TUESDAY, THURSDAY)
EVENING, SATURDAY = (0, 18 * 60), (5, 10 * 60)

# By platform slug and the user's position among the platform's students.
PROFILES: dict[str, tuple[DemoProfile, ...]] = {
    "leiden": (
        DemoProfile("Europe/Amsterdam", BOTH, (("nl", "native"), ("en", "C1"), ("de", "B1")),
                    "Urban planning", "he/him", (EVENING,), ("cycling", "flood defence")),
        DemoProfile("Europe/Amsterdam", BOTH, (("nl", "native"), ("ar", "B2"), ("en", "C1")),
                    "Sociology", "she/her", (), ("housing",)),
        DemoProfile("Asia/Jakarta", BOTH, (("id", "native"), ("en", "B2"), ("nl", "A2")),
                    "Environmental science", "she/her", (), ("mangroves",)),
        DemoProfile("Europe/Istanbul", (TUESDAY,), (("tr", "native"), ("en", "B2")),
                    "Civil engineering", "he/him", (SATURDAY,)),
        DemoProfile("Europe/Berlin", (THURSDAY,), (("de", "native"), ("en", "C1"), ("it", "A2")),
                    "Geography", "she/her", (EVENING,), ("heat maps",)),
        DemoProfile("Africa/Lagos", BOTH, (("en", "C2"), ("ig", "native"), ("fr", "A2")),
                    "Architecture", "he/him", (), ("public space",)),
        DemoProfile("Europe/Amsterdam", BOTH, (("nl", "native"), ("en", "B2")),
                    "Public administration", "", (SATURDAY,), (),
                    ("pronouns", "discipline", "interests")),
        DemoProfile("Asia/Kolkata", BOTH, (("hi", "native"), ("en", "C1"), ("ta", "B2")),
                    "Economics", "she/her", (), ("water markets",)),
        DemoProfile("Europe/Madrid", BOTH, (("es", "native"), ("en", "B2"), ("it", "B1")),
                    "Urban planning", "he/him", (EVENING,)),
        DemoProfile("America/Mexico_City", BOTH, (("es", "native"), ("en", "B2")),
                    "Environmental science", "she/her", (), ("drought",)),
        DemoProfile("Africa/Accra", (THURSDAY,), (("en", "C1"), ("fr", "B1")),
                    "Civil engineering", "he/him"),
        DemoProfile("Asia/Tokyo", (TUESDAY,), (("ja", "native"), ("en", "B1")),
                    "Architecture", "they/them", (), ("earthquakes",)),
    ),
    "bologna": (
        DemoProfile("Europe/Rome", BOTH, (("it", "native"), ("en", "B2")),
                    "Urban planning", "he/him", (EVENING,)),
        DemoProfile("America/Sao_Paulo", BOTH,
                    (("pt", "native"), ("en", "C1"), ("es", "B2"), ("it", "B1")),
                    "Geography", "she/her", (), ("favelas", "rainfall")),
        DemoProfile("Africa/Lagos", BOTH, (("en", "C2"), ("yo", "native")),
                    "Economics", "she/her", (SATURDAY,)),
        DemoProfile("Europe/Rome", (TUESDAY,), (("de", "native"), ("en", "C1"), ("it", "B2")),
                    "Civil engineering", "he/him"),
        DemoProfile("Europe/Istanbul", (THURSDAY,), (("tr", "native"), ("en", "B2")),
                    "Sociology", "she/her", (), ("migration",)),
        DemoProfile("Europe/Rome", BOTH, (("it", "native"), ("en", "B1"), ("fr", "B1")),
                    "Architecture", "she/her", (EVENING,)),
        DemoProfile("Europe/Rome", (THURSDAY,), (("it", "native"), ("en", "B2")),
                    "Public administration", "he/him"),
        DemoProfile("Europe/Rome", BOTH, (("it", "native"), ("en", "C1"), ("nl", "A2")),
                    "Environmental science", "she/her", (), ("urban trees",)),
        DemoProfile("Africa/Dakar", BOTH, (("fr", "native"), ("wo", "native"), ("en", "B2")),
                    "Geography", "he/him", (SATURDAY,)),
        DemoProfile("Europe/Lisbon", (TUESDAY,), (("pt", "native"), ("en", "B2"), ("it", "B1")),
                    "Urban planning", "he/him"),
        DemoProfile("Europe/Istanbul", BOTH, (("tr", "native"), ("en", "C1"), ("de", "B1")),
                    "Civil engineering", "she/her", (EVENING,)),
        DemoProfile("Asia/Shanghai", BOTH, (("zh", "native"), ("en", "B2"), ("it", "A2")),
                    "Economics", "he/him", (), ("sponge cities",)),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class SeedResult:
    exchange_id: int
    created: int
    """How many steps did something; 0 on a second run."""


def local_slots(profile: DemoProfile, week: date) -> frozenset[availability.LocalSlot]:
    """The grid cells (in the student's zone) that fall inside their UTC core windows."""
    cells: set[availability.LocalSlot] = set(profile.extra)
    for day in range(7):
        for start in availability.GRID_STARTS:
            span = availability.local_to_utc([(day, start)], profile.time_zone, week)
            if span and all(_inside(a, b, profile.days) for a, b in span):
                cells.add((day, start))
    return frozenset(cells)


def _inside(start: int, end: int, windows: Iterable[tuple[int, int, int]]) -> bool:
    for day, first, last in windows:
        low, high = day * availability.DAY + first * 60, day * availability.DAY + last * 60
        if low <= start and end <= high:
            return True
    return False


def _course_namespace(platform: DemoPlatform) -> str:
    return f"lti:{platform.issuer}|{platform.client_id}|{platform.deployment_id}"


class Seeder:
    """One seeding run against one database; ``steps`` counts what it had to do."""

    def __init__(self, session: Session, platforms: Sequence[DemoPlatform], tool_url: str):
        self.db = session
        self.platforms = {p.slug: p for p in platforms}
        self.tool_url = tool_url.rstrip("/")
        self.steps = 0

    def _did(self) -> None:
        self.steps += 1

    def ensure_registered(self, platform: DemoPlatform) -> tuple[int, int]:
        """(registration id, institution id); registers the platform as `make demo` does."""
        found = find_registration(self.db, platform.issuer, platform.client_id)
        if found is None:
            args = platform.registration_args(self.tool_url)
            args["deployment_ids"] = tuple(args["deployment_ids"])
            found = add_platform(self.db, PlatformSpec(**args), allow_http=True)
            self._did()
        return found.id, found.institution_id

    def actor(self, platform: DemoPlatform, user: DemoUser) -> Actor:
        """The user as a launch from their course makes them (launching only the first time)."""
        person_id = self.db.scalar(
            select(ExternalAccount.person_id).where(
                ExternalAccount.namespace == f"lti:{platform.issuer}",
                ExternalAccount.subject == user.user_id,
            )
        )
        course_id = self.db.scalar(
            select(Course.id).where(
                Course.namespace == _course_namespace(platform),
                Course.external_id == platform.course.context_id,
            )
        )
        role = Role.TEACHER if user.role == "teacher" else Role.STUDENT
        if person_id is not None and course_id is not None:
            return Actor(person_id, role, course_id)
        registration_id, institution_id = self.ensure_registered(platform)
        claims = platform.launch_claims(
            user,
            nonce="demo-seed",
            target_link_uri=f"{self.tool_url}/lti/launch",
            document_target="window",
        )
        launch = ValidLaunch(parse(claims), institution_id, "demo-seed", registration_id)
        arrival = enter_course(self.db, to_entry(launch))
        self._did()
        return arrival.actor

    def exchange(self, owner: Actor, partner: Actor, today: date) -> Exchange:
        """The owner's seeded exchange, with the partner course approved."""
        exchange = self.db.scalar(
            select(Exchange)
            .join(Seat, Seat.exchange_id == Exchange.id)
            .where(
                Exchange.title == EXCHANGE_TITLE,
                Seat.course_id == owner.course_id,
                Seat.is_owner.is_(True),
            )
        )
        if exchange is None:
            starts = today + timedelta(days=14)
            draft = ExchangeDraft(
                title=EXCHANGE_TITLE,
                description=EXCHANGE_DESCRIPTION,
                starts_on=starts,
                ends_on=starts + timedelta(weeks=8),
                languages=("en",),
                team_size_min=4,
                team_size_max=6,
                weekly_hours=3,
            )
            exchange = create_exchange(self.db, owner, draft)
            self._did()
        seat = next((s for s in exchange.seats if s.course_id == partner.course_id), None)
        if seat is None or seat.status not in (SeatStatus.PENDING, SeatStatus.APPROVED):
            code = issue_join_code(self.db, owner, exchange.id)
            seat = request_seat(self.db, partner, code.code)
            self._did()
        if seat.status is SeatStatus.PENDING:
            decide_seat(self.db, owner, seat.id, approve=True)
            self._did()
        return exchange

    def participate(self, actor: Actor, exchange: Exchange) -> None:
        active = self.db.scalar(
            select(Participant.id).where(
                Participant.exchange_id == exchange.id,
                Participant.person_id == actor.person_id,
                Participant.status == ParticipantStatus.ACTIVE,
            )
        )
        if active is None:
            enter_exchange(self.db, actor, str(exchange.id))
            self._did()

    def onboard(self, actor: Actor, profile: DemoProfile, week: date) -> None:
        if profile_is_complete(find_profile(self.db, actor.person_id)):
            return
        draft = ProfileDraft(
            pronouns=profile.pronouns,
            time_zone=profile.time_zone,
            slots=local_slots(profile, week),
            languages=profile.languages,
            discipline=profile.discipline,
            interests=profile.interests,
            consents=frozenset(SHAREABLE) - set(profile.hidden),
        )
        save_profile(self.db, actor, draft, week)
        self._did()


def seed(
    session_factory: Callable[[], Session],
    platforms: Sequence[DemoPlatform],
    tool_url: str,
    today: date | None = None,
) -> SeedResult:
    """Make (or find) the demo exchange with every rostered student onboarded."""
    today = today or date.today()
    by_slug = {p.slug: p for p in platforms}
    owner_platform, partner_platform = by_slug[OWNER_SLUG], by_slug[PARTNER_SLUG]
    with session_factory() as session:
        seeder = Seeder(session, platforms, tool_url)
        owner = seeder.actor(owner_platform, owner_platform.teacher)
        partner = seeder.actor(partner_platform, partner_platform.teacher)
        exchange = seeder.exchange(owner, partner, today)
        week = availability.reference_week(exchange.starts_on, today)
        for platform in (owner_platform, partner_platform):
            seeder.participate(seeder.actor(platform, platform.teacher), exchange)
            for student, profile in zip(platform.students, PROFILES[platform.slug], strict=True):
                actor = seeder.actor(platform, student)
                seeder.participate(actor, exchange)
                seeder.onboard(actor, profile, week)
        return SeedResult(exchange_id=exchange.id, created=seeder.steps)
