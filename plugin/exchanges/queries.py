"""Read-only views of an exchange for its teachers. Never commits; returns plain dataclasses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, joinedload

from plugin.actors import Role
from plugin.courses.models import Course, CourseMembership
from plugin.exchanges.models import Participant, ParticipantStatus, Seat, SeatStatus
from plugin.people.models import Institution, Person
from plugin.profiles.models import Profile


def is_active_student(exchange_id: int) -> ColumnElement[bool]:
    """Participants who are the exchange's students now (not left, not erased): the pool."""
    return and_(
        Participant.exchange_id == exchange_id,
        Participant.status == ParticipantStatus.ACTIVE,
        Participant.role == Role.STUDENT,
        Participant.person_id.is_not(None),
    )


@dataclass(frozen=True)
class ParticipantRow:
    participant_id: int
    display_name: str | None
    role: Role
    status: ParticipantStatus
    profile_complete: bool


@dataclass(frozen=True)
class NeverLaunched:
    """Students the course's LMS roster lists who have never opened Tandem from it.

    ``names`` is None when the viewer may see the count only (see ``exchange_overview``).
    """

    count: int
    names: tuple[str | None, ...] | None


@dataclass(frozen=True)
class SeatRoster:
    seat_id: int
    course_id: int
    institution_id: int
    institution: str
    course_title: str
    status: SeatStatus
    is_owner: bool
    people: list[ParticipantRow]
    never_launched: NeverLaunched = NeverLaunched(0, ())

    @property
    def students(self) -> list[ParticipantRow]:
        return [p for p in self.people if p.role is Role.STUDENT]

    @property
    def completed(self) -> int:
        return sum(1 for p in self.students if p.profile_complete)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class PoolMakeup:
    """Who is in the pool (active students): the counts the teacher page charts."""

    students: int
    erased: int
    institutions: list[Bar]
    time_zones: list[Bar]
    languages: list[Bar]


# Cross-university aggregates never show a group smaller than this (one person's language or
# time zone would identify them).
MIN_GROUP = 3


def _bars(counter: Counter[str], total: int, partners: Counter[str] | None = None) -> list[Bar]:
    """Bars by count; a bar that includes partner-university students and counts fewer than
    ``MIN_GROUP`` people is left out (``partners`` counts those students per label)."""
    return [
        Bar(label, count, round(100 * count / total) if total else 0)
        for label, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        if partners is None or not partners[label] or count >= MIN_GROUP
    ]


def seat_rosters(session: Session, exchange_id: int) -> list[SeatRoster]:
    seats = session.scalars(
        select(Seat)
        .where(Seat.exchange_id == exchange_id)
        .options(joinedload(Seat.course))
        .order_by(Seat.is_owner.desc(), Seat.id)
    ).all()
    # Plain columns: loading a Participant, Person and Profile entity per student was 1 s of
    # the participants page at 5,000 students (pyinstrument). The name is Person.display_name.
    rows = session.execute(
        select(
            Participant.id,
            Participant.seat_id,
            Participant.role,
            Participant.status,
            Person.chosen_name,
            Person.lms_name,
            Profile.completed_at,
        )
        .outerjoin(Person, Person.id == Participant.person_id)
        .outerjoin(Profile, Profile.person_id == Participant.person_id)
        .where(
            Participant.exchange_id == exchange_id, Participant.status != ParticipantStatus.ERASED
        )
        .order_by(Participant.id)
    ).all()
    by_seat: dict[int, list[ParticipantRow]] = {}
    for participant_id, seat_id, role, status, chosen, lms, completed_at in rows:
        by_seat.setdefault(seat_id, []).append(
            ParticipantRow(
                participant_id=participant_id,
                display_name=chosen or lms,
                role=role,
                status=status,
                profile_complete=completed_at is not None,
            )
        )
    absent = never_launched(session, [seat.course_id for seat in seats])
    return [
        SeatRoster(
            seat_id=seat.id,
            course_id=seat.course_id,
            institution_id=seat.course.institution_id,
            institution=seat.course.institution.name,
            course_title=seat.course.title or seat.course.label or seat.course.external_id,
            status=seat.status,
            is_owner=seat.is_owner,
            people=by_seat.get(seat.id, []),
            never_launched=_never_launched_of(absent.get(seat.course_id, [])),
        )
        for seat in seats
    ]


def _never_launched_of(names: list[str | None]) -> NeverLaunched:
    ordered = sorted(names, key=lambda n: (n is None, (n or "").casefold()))
    return NeverLaunched(count=len(ordered), names=tuple(ordered))


def never_launched(session: Session, course_ids: list[int]) -> dict[int, list[str | None]]:
    """Display names, per course, of current students known only from the LMS roster.

    A launch stamps ``CourseMembership.launched_at``; a roster sync never does, so a student
    membership without it (and not marked as left) is someone who has never opened Tandem
    from that course. Teachers are left out: the list is for nudging students.
    """
    if not course_ids:
        return {}
    rows = session.execute(
        select(CourseMembership.course_id, Person)
        .join(Person, Person.id == CourseMembership.person_id)
        .where(
            CourseMembership.course_id.in_(course_ids),
            CourseMembership.role == Role.STUDENT,
            CourseMembership.left_at.is_(None),
            CourseMembership.launched_at.is_(None),
        )
    ).all()
    found: dict[int, list[str | None]] = {}
    for course_id, person in rows:
        found.setdefault(course_id, []).append(person.display_name)
    return found


def pool_makeup(
    session: Session, exchange_id: int, viewer_institution_id: int | None = None
) -> PoolMakeup:
    """Counts over active students of approved seats; erased rows are counted, never shown.

    For a viewer at one university (a teacher), a partner-university student's language or
    time zone counts only if they chose to share it, and no bar that includes partner students
    shows fewer than ``MIN_GROUP`` people. Without a viewer (the domain's own use), all count.
    """
    # Plain columns, not Seat/Profile entities (0.7 s of the participants page at 5,000).
    rows = session.execute(
        select(
            Participant.status,
            Institution.id,
            Institution.name,
            Profile.person_id,
            Profile.time_zone,
            Profile.languages,
            Profile.consents,
        )
        .join(Seat, Seat.id == Participant.seat_id)
        .join(Course, Course.id == Seat.course_id)
        .join(Institution, Institution.id == Course.institution_id)
        .outerjoin(Profile, Profile.person_id == Participant.person_id)
        .where(
            Participant.exchange_id == exchange_id,
            Participant.role == Role.STUDENT,
            Seat.status == SeatStatus.APPROVED,
        )
    ).all()
    institutions: Counter[str] = Counter()
    zones: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    partner_institutions: Counter[str] = Counter()
    partner_zones: Counter[str] = Counter()
    partner_languages: Counter[str] = Counter()
    erased = 0
    for status, institution_id, institution, profile_of, time_zone, spoken, consents in rows:
        if status is ParticipantStatus.ERASED:
            erased += 1
            continue
        if status is not ParticipantStatus.ACTIVE:
            continue
        has_profile = profile_of is not None
        partner = viewer_institution_id is not None and institution_id != viewer_institution_id
        consents = (consents or {}) if has_profile else {}
        institutions[institution] += 1
        partner_institutions[institution] += partner
        if has_profile and time_zone and (not partner or consents.get("time_zone")):
            zones[time_zone] += 1
            partner_zones[time_zone] += partner
        if has_profile and (not partner or consents.get("languages")):
            for lang in spoken or []:
                languages[lang["code"]] += 1
                partner_languages[lang["code"]] += partner
    students = sum(institutions.values())
    return PoolMakeup(
        students=students,
        erased=erased,
        institutions=_bars(institutions, students, partner_institutions),
        time_zones=_bars(zones, students, partner_zones),
        languages=_bars(languages, students, partner_languages),
    )
