"""Exchanges: the object that courses on different platforms join, so their students meet.

Use cases for teachers (create, copy, invite, decide, leave) and for everyone who launches
(enter). Each public function ends with ``session.commit()``; helpers never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.actors import TEACHING_ROLES, Actor, Role
from plugin.courses.models import Course, CourseMembership
from plugin.db import get_or_create, utcnow
from plugin.errors import Conflict, FieldErrors, InvalidInput, NotAllowed, NotFound
from plugin.exchanges import codes
from plugin.exchanges.models import (
    Exchange,
    JoinCode,
    Participant,
    ParticipantStatus,
    Seat,
    SeatSetting,
    SeatStatus,
)
from plugin.exchanges.phases import Phase, check_phases, default_phases, shift_phases
from plugin.exchanges.queries import (
    NeverLaunched,
    PoolMakeup,
    SeatRoster,
    pool_makeup,
    seat_rosters,
)
from plugin.i18n import N_
from plugin.notifications.service import notify
from plugin.profiles.languages import check_language_codes
from plugin.profiles.models import Profile
from plugin.profiles.service import find_profile

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_TEAM_SIZE = 12
MAX_WEEKLY_HOURS = 40
MAX_DAYS = 366
CODE_DAYS_DEFAULT = 14
CODE_DAYS_MAX = 90


@dataclass(frozen=True)
class ExchangeDraft:
    """What a teacher types into the setup form. ``phases`` empty means the COIL defaults."""

    title: str
    starts_on: date
    ends_on: date
    languages: tuple[str, ...]
    description: str = ""
    phases: tuple[Phase, ...] = ()
    team_size_min: int = 4
    team_size_max: int = 6
    weekly_hours: int = 3


@dataclass(frozen=True)
class ExchangeSummary:
    """One line of a teacher's list (and of the deep-linking picker)."""

    exchange_id: int
    title: str
    starts_on: date
    ends_on: date
    seat_id: int
    seat_status: SeatStatus
    is_owner: bool


@dataclass(frozen=True)
class IssuedCode:
    """The clear code is shown once, to the owner; only its hash is stored."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class ExchangeView:
    """Where a launch lands: the exchange, the course's seat and the person's participation."""

    exchange: Exchange
    seat: Seat
    participant: Participant
    is_teacher: bool
    needs_onboarding: bool
    other_seats: list[Seat] = field(default_factory=list)


# ---------------------------------------------------------------- helpers (never commit)


def _require_teacher_in_course(actor: Actor) -> int:
    if not actor.can_teach:
        raise NotAllowed(N_("Only teachers can do this."))
    if actor.course_id is None:
        raise NotAllowed(N_("Open Tandem from your course to set up or join an exchange."))
    return actor.course_id


def _course_of(session: Session, actor: Actor) -> Course:
    course_id = _require_teacher_in_course(actor)
    course = session.get(Course, course_id)
    if course is None:
        # Courses only exist through launches from registered platforms.
        raise NotFound(N_("This course does not come from a registered learning platform."))
    return course


def require_course_teacher(session: Session, actor: Actor) -> Course:
    """The course a teacher would create an exchange from; a read for the empty form."""
    return _course_of(session, actor)


def get_exchange(session: Session, exchange_id: int) -> Exchange:
    exchange = session.get(Exchange, exchange_id)
    if exchange is None:
        raise NotFound(N_("This exchange does not exist."))
    return exchange


def _seat_of_course(exchange: Exchange, course_id: int | None) -> Seat | None:
    return next((s for s in exchange.seats if s.course_id == course_id), None)


def owner_seat(exchange: Exchange) -> Seat:
    return next(s for s in exchange.seats if s.is_owner)


def require_owner(session: Session, actor: Actor, exchange_id: int) -> Exchange:
    """Only teachers of the course that created the exchange run it."""
    exchange = get_exchange(session, exchange_id)
    _require_teacher_in_course(actor)
    if owner_seat(exchange).course_id != actor.course_id:
        raise NotAllowed(N_("Only teachers of the course that created this exchange can do this."))
    return exchange


def require_seat_teacher(session: Session, actor: Actor, exchange_id: int) -> Seat:
    """Teachers of any approved seat may look after the exchange (and their own seat)."""
    exchange = get_exchange(session, exchange_id)
    _require_teacher_in_course(actor)
    seat = _seat_of_course(exchange, actor.course_id)
    if seat is None or seat.status is not SeatStatus.APPROVED:
        raise NotAllowed(N_("Only teachers of a course in this exchange can see this."))
    return seat


def _check_draft(draft: ExchangeDraft) -> ExchangeDraft:
    """Every field checked, each error named after its setup-form input, raised together."""
    errors = FieldErrors()
    title = draft.title.strip()
    if not title or len(title) > MAX_TITLE:
        errors.add("title", N_("The title must be 1-200 characters."))
    if len(draft.description) > MAX_DESCRIPTION:
        errors.add("description", N_("The description can be at most 5000 characters."))
    dates_ok = draft.ends_on >= draft.starts_on
    if not dates_ok:
        errors.add("ends_on", N_("The exchange cannot end before it starts."))
    elif (draft.ends_on - draft.starts_on).days > MAX_DAYS:
        errors.add("ends_on", N_("An exchange can last at most one year."))
    if not 2 <= draft.team_size_min <= draft.team_size_max <= MAX_TEAM_SIZE:
        wrong = "team_size_max" if 2 <= draft.team_size_min <= MAX_TEAM_SIZE else "team_size_min"
        errors.add(wrong, N_("Team sizes must be between 2 and 12, the smallest first."))
    if not 1 <= draft.weekly_hours <= MAX_WEEKLY_HOURS:
        errors.add("weekly_hours", N_("Weekly hours must be between 1 and 40."))
    languages: tuple[str, ...] = ()
    with errors.field("languages"):
        languages = tuple(check_language_codes(list(draft.languages)))
    phases = list(draft.phases) or default_phases(draft.starts_on, draft.ends_on)
    if dates_ok:
        with errors.field(None):
            check_phases(phases, draft.starts_on, draft.ends_on)
    errors.raise_if_any()
    return ExchangeDraft(
        title=title,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        languages=languages,
        description=draft.description.strip(),
        phases=tuple(phases),
        team_size_min=draft.team_size_min,
        team_size_max=draft.team_size_max,
        weekly_hours=draft.weekly_hours,
    )


def _apply(exchange: Exchange, draft: ExchangeDraft) -> None:
    exchange.title = draft.title
    exchange.description = draft.description
    exchange.languages = list(draft.languages)
    exchange.starts_on = draft.starts_on
    exchange.ends_on = draft.ends_on
    exchange.phases = [p.as_json() for p in draft.phases]
    exchange.team_size_min = draft.team_size_min
    exchange.team_size_max = draft.team_size_max
    exchange.weekly_hours = draft.weekly_hours


def phases_of(exchange: Exchange) -> list[Phase]:
    return [Phase.from_json(raw) for raw in exchange.phases]


def draft_of(exchange: Exchange) -> ExchangeDraft:
    """The exchange as a form fills it in (editing, copying)."""
    return ExchangeDraft(
        title=exchange.title,
        starts_on=exchange.starts_on,
        ends_on=exchange.ends_on,
        languages=tuple(exchange.languages),
        description=exchange.description,
        phases=tuple(phases_of(exchange)),
        team_size_min=exchange.team_size_min,
        team_size_max=exchange.team_size_max,
        weekly_hours=exchange.weekly_hours,
    )


def live_seat_of_course(session: Session, course_id: int) -> Seat | None:
    """The one exchange seat (asked for or approved) a course has, if any."""
    return session.scalar(
        select(Seat).where(
            Seat.course_id == course_id,
            Seat.status.in_((SeatStatus.PENDING, SeatStatus.APPROVED)),
        )
    )


def _already_placed(seat: Seat) -> Conflict:
    title = seat.exchange.title
    if seat.status is SeatStatus.PENDING:
        return Conflict(
            N_(
                "Your course has asked to join “%(title)s” and waits for its owner's answer. "
                "A course takes part in one exchange at a time.",
                title=title,
            )
        )
    return Conflict(
        N_(
            "Your course is already in the exchange “%(title)s”. A course takes part in one "
            "exchange at a time: add Tandem to another course for a second exchange.",
            title=title,
        )
    )


def require_course_free(session: Session, actor: Actor) -> Course:
    """Before a course creates, copies or asks to join: it must not be placed already."""
    course = _course_of(session, actor)
    placed = live_seat_of_course(session, course.id)
    if placed is not None:
        raise _already_placed(placed)
    return course


@contextmanager
def _placing(session: Session, course_id: int) -> Iterator[None]:
    """Around the writes of a new seat up to the commit: a request that raced another for
    the course gets the rule. The partial unique index decides a race the check before could
    not see; the loser's transaction is rolled back and told which exchange its course is in.
    """
    try:
        yield
    except IntegrityError:
        session.rollback()
        placed = live_seat_of_course(session, course_id)
        if placed is None:
            raise
        raise _already_placed(placed) from None


def _new_owned_exchange(
    session: Session, actor: Actor, course: Course, draft: ExchangeDraft
) -> Exchange:
    exchange = Exchange(owner_id=actor.person_id)
    _apply(exchange, draft)
    exchange.seats.append(
        Seat(
            course_id=course.id,
            status=SeatStatus.APPROVED,
            is_owner=True,
            requested_by_id=actor.person_id,
            decided_by_id=actor.person_id,
            decided_at=utcnow(),
        )
    )
    session.add(exchange)
    return exchange


# ---------------------------------------------------------------- teacher use cases


def create_exchange(session: Session, actor: Actor, draft: ExchangeDraft) -> Exchange:
    """A teacher starts an exchange from their course; that course takes the owner's seat.

    A course is in one exchange at a time. The same teacher sending the same form twice (a
    double click, a resubmitted page) gets the exchange the first submission made.
    """
    course = _course_of(session, actor)
    checked = _check_draft(draft)
    placed = live_seat_of_course(session, course.id)
    if placed is not None:
        mine = placed.exchange
        if placed.is_owner and mine.owner_id == actor.person_id and mine.title == checked.title:
            return mine
        raise _already_placed(placed)
    with _placing(session, course.id):
        exchange = _new_owned_exchange(session, actor, course, checked)
        session.commit()
    return exchange


def update_exchange(
    session: Session, actor: Actor, exchange_id: int, draft: ExchangeDraft
) -> Exchange:
    """The owner edits the setup; partners see the change on their next page load."""
    exchange = require_owner(session, actor, exchange_id)
    _apply(exchange, _check_draft(draft))
    session.commit()
    return exchange


def exchanges_for_teacher(session: Session, actor: Actor) -> list[ExchangeSummary]:
    """Every exchange the actor's course has a seat in (any status), newest first.

    The deep-linking picker offers the approved ones; the home page also shows pending ones.
    """
    course_id = _require_teacher_in_course(actor)
    rows = session.execute(
        select(Exchange, Seat)
        .join(Seat, Seat.exchange_id == Exchange.id)
        .where(Seat.course_id == course_id)
        .order_by(Exchange.starts_on.desc(), Exchange.id.desc())
    ).all()
    return [
        ExchangeSummary(
            exchange_id=exchange.id,
            title=exchange.title,
            starts_on=exchange.starts_on,
            ends_on=exchange.ends_on,
            seat_id=seat.id,
            seat_status=seat.status,
            is_owner=seat.is_owner,
        )
        for exchange, seat in rows
    ]


def templates_for_teacher(session: Session, actor: Actor) -> list[Exchange]:
    """Exchanges this teacher created or taught in before: the ones they may copy."""
    if not actor.can_teach:
        raise NotAllowed(N_("Only teachers can do this."))
    owned = select(Exchange.id).where(Exchange.owner_id == actor.person_id)
    taught = select(Participant.exchange_id).where(
        Participant.person_id == actor.person_id, Participant.role.in_(TEACHING_ROLES)
    )
    return list(
        session.scalars(
            select(Exchange)
            .where(Exchange.id.in_(owned.union(taught)))
            .order_by(Exchange.starts_on.desc())
        )
    )


def copy_exchange(
    session: Session, actor: Actor, source_id: int, starts_on: date, title: str | None = None
) -> Exchange:
    """Start this term's exchange from last term's: same setup, dates moved, no partners.

    Partners and people are never copied: a new term must never silently join an old pool.
    """
    course = require_course_free(session, actor)
    source = get_exchange(session, source_id)
    if source.id not in {e.id for e in templates_for_teacher(session, actor)}:
        raise NotAllowed(N_("You can only copy exchanges you created or taught in."))
    offset = (starts_on - source.starts_on).days
    template = draft_of(source)
    draft = ExchangeDraft(
        title=title if title is not None else template.title,
        starts_on=starts_on,
        ends_on=template.ends_on + timedelta(days=offset),
        languages=template.languages,
        description=template.description,
        phases=tuple(shift_phases(list(template.phases), offset)),
        team_size_min=template.team_size_min,
        team_size_max=template.team_size_max,
        weekly_hours=template.weekly_hours,
    )
    exchange = _new_owned_exchange(session, actor, course, _check_draft(draft))
    exchange.copied_from_id = source.id
    with _placing(session, course.id):
        session.commit()
    return exchange


def issue_join_code(
    session: Session, actor: Actor, exchange_id: int, valid_days: int = CODE_DAYS_DEFAULT
) -> IssuedCode:
    """A new code for partners; earlier codes stop working (regenerating = revoking)."""
    exchange = require_owner(session, actor, exchange_id)
    if not 1 <= valid_days <= CODE_DAYS_MAX:
        raise InvalidInput(N_("A join code can be valid for 1 to 90 days."), "valid_days")
    session.execute(
        update(JoinCode)
        .where(JoinCode.exchange_id == exchange.id, JoinCode.revoked.is_(False))
        .values(revoked=True)
    )
    code = codes.new_code()
    expires_at = utcnow() + timedelta(days=valid_days)
    session.add(
        JoinCode(exchange_id=exchange.id, code_hash=codes.hash_code(code), expires_at=expires_at)
    )
    session.commit()
    return IssuedCode(code=code, expires_at=expires_at)


def active_code_expiry(session: Session, exchange_id: int) -> datetime | None:
    """When the current code expires (the code itself cannot be shown again)."""
    return session.scalar(
        select(JoinCode.expires_at).where(
            JoinCode.exchange_id == exchange_id,
            JoinCode.revoked.is_(False),
            JoinCode.expires_at > utcnow(),
        )
    )


def request_seat(session: Session, actor: Actor, code: str) -> Seat:
    """A teacher at another institution asks for a seat for their course with a join code.

    The owner then sees the course's institution as its LTI registration names it (verified),
    never a name the partner typed.
    """
    course = _course_of(session, actor)
    if not codes.normalise(code):
        raise InvalidInput(
            N_("Enter the join code you received from the exchange's owner."), "code"
        )
    join = session.scalar(select(JoinCode).where(JoinCode.code_hash == codes.hash_code(code)))
    if join is None or join.revoked:
        raise NotFound(N_("This join code is not valid. Check it or ask for a new one."), "code")
    if join.expires_at <= utcnow():
        raise InvalidInput(
            N_("This join code has expired. Ask the exchange's owner for a new one."), "code"
        )
    exchange = get_exchange(session, join.exchange_id)
    existing = _seat_of_course(exchange, course.id)
    if existing is not None and existing.is_owner:
        raise Conflict(N_("This is your own exchange: your course already runs it."))
    if owner_seat(exchange).course.institution_id == course.institution_id:
        raise Conflict(N_("Partner courses must come from another institution."))
    if existing is not None and existing.status in (SeatStatus.PENDING, SeatStatus.APPROVED):
        raise Conflict(N_("Your course has already asked to join this exchange."))
    placed = live_seat_of_course(session, course.id)
    if placed is not None:
        raise _already_placed(placed)
    if existing is None:
        existing = Seat(course_id=course.id, requested_by_id=actor.person_id)
        exchange.seats.append(existing)
    existing.status = SeatStatus.PENDING
    existing.requested_by_id = actor.person_id
    existing.decided_by_id = None
    existing.decided_at = None
    with _placing(session, course.id):
        session.flush()
        _tell_owner_teachers(session, exchange, course, existing)
        session.commit()
    return existing


def _tell_owner_teachers(session: Session, exchange: Exchange, course: Course, seat: Seat) -> None:
    """The owner course's teachers hear of a partner's request (it waits for their answer)."""
    owner_course = owner_seat(exchange).course_id
    teachers = session.scalars(
        select(CourseMembership.person_id).where(
            CourseMembership.course_id == owner_course,
            CourseMembership.role == Role.TEACHER,
            CourseMembership.left_at.is_(None),
        )
    )
    notify(
        session,
        list(teachers),
        "join_requested",
        {
            "exchange": exchange.title,
            "course": course.title or course.label or "",
            "institution": course.institution.name,
        },
        dedupe_key=f"seat:{seat.id}:{utcnow():%Y%m%d%H%M%S}",  # a later re-request is news
        target=f"exchange:{exchange.id}",
    )


def decide_seat(session: Session, actor: Actor, seat_id: int, approve: bool) -> Seat:
    """The owner lets a partner course in (its students then enter the pool) or declines."""
    seat = session.get(Seat, seat_id)
    if seat is None:
        raise NotFound(N_("This partner request does not exist."))
    require_owner(session, actor, seat.exchange_id)
    if seat.status is not SeatStatus.PENDING:
        raise Conflict(N_("This request has already been decided."))
    seat.status = SeatStatus.APPROVED if approve else SeatStatus.DECLINED
    seat.decided_by_id = actor.person_id
    seat.decided_at = utcnow()
    session.commit()
    return seat


def leave_exchange(session: Session, actor: Actor, exchange_id: int) -> Seat:
    """A partner course leaves; its people leave the pool, their data stay with their course."""
    exchange = get_exchange(session, exchange_id)
    _require_teacher_in_course(actor)
    seat = _seat_of_course(exchange, actor.course_id)
    if seat is None or seat.status in (SeatStatus.LEFT, SeatStatus.DECLINED):
        raise NotFound(N_("Your course is not part of this exchange."))
    if seat.is_owner:
        raise Conflict(N_("The course that created an exchange cannot leave it."))
    seat.status = SeatStatus.LEFT
    session.execute(
        update(Participant)
        .where(Participant.seat_id == seat.id, Participant.status == ParticipantStatus.ACTIVE)
        .values(status=ParticipantStatus.LEFT)
    )
    session.commit()
    return seat


# ---------------------------------------------------------------- everyone


def _approved_seat_for(session: Session, course_id: int, hint: str | None) -> Seat | None:
    """The hint (the placement's exchange id) wins if it names a seat of this course.

    Without a usable hint, the course's newest approved seat: a course is normally in one.
    """
    seats = list(session.scalars(_approved_seats(), {"course_id": course_id}))
    if hint is not None and hint.strip().isdigit():
        wanted = int(hint.strip())
        hinted = next((s for s in seats if s.exchange_id == wanted), None)
        if hinted is not None:
            return hinted
    return seats[0] if seats else None


@cache
def _approved_seats() -> Select[Seat]:
    """Built once (every launch and landing asks): building it cost more than running it."""
    return (
        select(Seat)
        .where(Seat.course_id == bindparam("course_id"), Seat.status == SeatStatus.APPROVED)
        .order_by(Seat.id.desc())
    )


def profile_is_complete(profile: Profile | None) -> bool:
    """Enough to be matched: a time zone, some availability and at least one language."""
    return bool(
        profile is not None and profile.time_zone and profile.availability and profile.languages
    )


def enter_exchange(session: Session, actor: Actor, hint: str | None) -> ExchangeView | None:
    """What a launch becomes: a participant of the exchange their course has a seat in.

    Returns None when the course is in no exchange yet (teachers are then offered to create
    or join one; students are told their teacher has not set it up).
    """
    if actor.course_id is None:
        return None
    seat = _approved_seat_for(session, actor.course_id, hint)
    if seat is None:
        return None
    participant, created = get_or_create(
        session,
        Participant,
        {"exchange_id": seat.exchange_id, "person_id": actor.person_id},
        lambda: Participant(
            exchange_id=seat.exchange_id,
            seat_id=seat.id,
            person_id=actor.person_id,
            role=actor.role,
        ),
    )
    # Most calls are a returning person's page load: write (and commit) only what changed.
    changed = created or (
        participant.role != actor.role
        or participant.seat_id != seat.id
        or participant.status is not ParticipantStatus.ACTIVE
    )
    if changed:
        participant.role = actor.role
        participant.seat_id = seat.id
        participant.status = ParticipantStatus.ACTIVE
    is_teacher = actor.can_teach
    profile = find_profile(session, actor.person_id)
    view = ExchangeView(
        exchange=seat.exchange,
        seat=seat,
        participant=participant,
        is_teacher=is_teacher,
        needs_onboarding=not is_teacher and not profile_is_complete(profile),
        other_seats=[s for s in seat.exchange.seats if s.id != seat.id],
    )
    if changed:
        session.commit()
    return view


def my_participation(session: Session, actor: Actor, exchange_id: int) -> Participant:
    """The actor's own active participation, for pages that need it (profile, my data)."""
    participant = session.scalar(
        select(Participant).where(
            Participant.exchange_id == exchange_id,
            Participant.person_id == actor.person_id,
            Participant.status == ParticipantStatus.ACTIVE,
        )
    )
    if participant is None:
        raise NotAllowed(N_("You are not a participant of this exchange."))
    return participant


@dataclass(frozen=True)
class TeacherOverview:
    """Everything the teacher page shows: setup, partner seats, people, the pool's make-up."""

    exchange: Exchange
    my_seat: Seat
    is_owner: bool
    rosters: list[SeatRoster]
    makeup: PoolMakeup
    pending: list[SeatRoster]
    code_expires_at: datetime | None


def _as_seen_by(roster: SeatRoster, viewer_institution_id: int) -> SeatRoster:
    """Who has never launched, as a teacher of ``viewer_institution_id`` may see it.

    Privacy rule: names of people who never opened Tandem come from their university's LMS
    roster, so only teachers whose own seat's course belongs to that same university see them;
    teachers of partner universities see the count only. (Participants who did launch show
    their display name to every teacher of the exchange, as they do to their teammates.)
    """
    if roster.institution_id == viewer_institution_id:
        return roster
    return replace(roster, never_launched=NeverLaunched(roster.never_launched.count, None))


def exchange_overview(session: Session, actor: Actor, exchange_id: int) -> TeacherOverview:
    """For teachers of approved seats only; read-only (nothing to commit)."""
    seat = require_seat_teacher(session, actor, exchange_id)
    mine = seat.course.institution_id
    rosters = [_as_seen_by(r, mine) for r in seat_rosters(session, exchange_id)]
    return TeacherOverview(
        exchange=seat.exchange,
        my_seat=seat,
        is_owner=seat.is_owner,
        rosters=[r for r in rosters if r.status is SeatStatus.APPROVED],
        makeup=pool_makeup(session, exchange_id, mine),
        pending=[r for r in rosters if r.status is SeatStatus.PENDING],
        code_expires_at=active_code_expiry(session, exchange_id) if seat.is_owner else None,
    )


# ---------------------------------------------------------------- placements in a course


def _hinted_exchange(session: Session, hint: str | None) -> Exchange | None:
    if hint is None or not hint.strip().isdigit():
        return None
    return session.get(Exchange, int(hint.strip()))


def placement_was_copied(session: Session, actor: Actor, hint: str | None) -> bool:
    """A teacher launched a placement whose exchange has no seat for this course: the course
    was copied for a new term with its placement. A read."""
    if not actor.can_teach or actor.course_id is None:
        return False
    exchange = _hinted_exchange(session, hint)
    return exchange is not None and all(s.course_id != actor.course_id for s in exchange.seats)


@dataclass(frozen=True)
class CopiedPlacement:
    source: Exchange | None  # the exchange the copied placement names, if it still exists
    may_copy: bool  # the teacher created or taught it, so may copy it for this term


def placement_choices(session: Session, actor: Actor, hint: str | None) -> CopiedPlacement:
    """What a teacher may do with a course copy's placement (copy its exchange for this term,
    or join another by code); refuses anyone else. A read."""
    if not actor.can_teach:
        raise NotAllowed(N_("Only teachers can do this."))
    source = _hinted_exchange(session, hint)
    may_copy = source is not None and (
        source.id in {e.id for e in templates_for_teacher(session, actor)}
    )
    return CopiedPlacement(source, may_copy)


def approved_exchange_of_course(session: Session, actor: Actor, exchange_id: int | None) -> int:
    """The exchange a deep link may place: one the teacher's course has an approved seat in."""
    for summary in exchanges_for_teacher(session, actor):
        if summary.exchange_id == exchange_id and summary.seat_status is SeatStatus.APPROVED:
            return summary.exchange_id
    raise NotFound(N_("This exchange is not one your course takes part in."))


def institutions_sharing_team_data(session: Session, exchange_id: int) -> set[int]:
    """Institutions whose every approved seat in the exchange shares individual team data.

    Pages that show many students read it once: a viewer from one of these institutions sees
    students of the others by name.
    """
    rows = session.execute(
        select(Course.institution_id, SeatSetting.share_team_data)
        .select_from(Seat)
        .join(Course, Course.id == Seat.course_id)
        .outerjoin(SeatSetting, SeatSetting.seat_id == Seat.id)
        .where(Seat.exchange_id == exchange_id, Seat.status == SeatStatus.APPROVED)
    ).all()
    sharing: dict[int, bool] = {}
    for institution_id, share in rows:
        sharing[institution_id] = sharing.get(institution_id, True) and bool(share)
    return {institution_id for institution_id, share in sharing.items() if share}


def individual_data_shared(
    session: Session, exchange_id: int, viewer_institution_id: int, student_institution_id: int
) -> bool:
    """May a teacher of one university see a student's individual team data (name, answers)?

    Always for their own university's students; a partner's students only when both
    universities turned on "share individual team data" for this exchange (rule 5: partners
    see aggregates otherwise).
    """
    if viewer_institution_id == student_institution_id:
        return True
    sharing = institutions_sharing_team_data(session, exchange_id)
    return viewer_institution_id in sharing and student_institution_id in sharing


def team_data_shared_by_seat(session: Session, actor: Actor, exchange_id: int) -> bool:
    """The actor's own seat's "share individual team data" choice (off without a row)."""
    seat = require_seat_teacher(session, actor, exchange_id)
    setting = session.get(SeatSetting, seat.id)
    return bool(setting and setting.share_team_data)


def set_team_data_sharing(session: Session, actor: Actor, exchange_id: int, share: bool) -> bool:
    """A teacher turns "share individual team data" on or off for their own course's seat."""
    seat = require_seat_teacher(session, actor, exchange_id)
    setting = session.get(SeatSetting, seat.id)
    if setting is None:
        setting = SeatSetting(seat_id=seat.id)
        session.add(setting)
    setting.share_team_data = share
    setting.updated_by_id = actor.person_id
    setting.updated_at = utcnow()
    session.commit()
    return share
