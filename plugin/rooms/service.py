"""Room use cases, called by realtime/ (socket events) and web/pages (the room page).

Every function starts by resolving the actor's access to the room from the database, so a
member removed a second ago is refused on their very next event. Members write; teachers of
any seat in the exchange observe read-only and moderate.

The shared note is a CRDT document edited live (plugin.notes.service); here it is only read, as
the plain text the note's row mirrors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from plugin.actors import Actor
from plugin.db import get_or_create, utcnow
from plugin.errors import InvalidInput, NotAllowed, NotFound, TandemError
from plugin.exchanges.models import Exchange
from plugin.exchanges.phases import GENERAL_TITLE, phase_title
from plugin.i18n import N_
from plugin.people.models import Person
from plugin.profiles.models import Profile
from plugin.profiles.service import find_profile, shares_with, teammate_card
from plugin.rooms.chat_sql import ChatCursor, ClientIdTaken, LineRow
from plugin.rooms.models import Message, Note, Room, Task, TaskState
from plugin.rooms.text import Segment, segments
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import is_exchange_teacher

MAX_MESSAGE_CHARS = 4000
MAX_CLIENT_ID_CHARS = 64
MAX_NOTE_CHARS = 100_000
MAX_REASON_CHARS = 500
PAGE_SIZE = 50
CATCH_UP_LIMIT = 500
GENERAL_PHASE = "general"


@dataclass(frozen=True)
class RoomAccess:
    room_id: int
    team_id: int
    exchange_id: int
    person_id: int
    is_member: bool
    is_teacher: bool
    display_name: str = "Anonymous"  # the actor's name as the room shows it

    @property
    def can_write(self) -> bool:
        return self.is_member

    @property
    def can_moderate(self) -> bool:
        return self.is_teacher


@dataclass(frozen=True)
class MessageView:
    """What a client sees of a line; hidden and deleted lines keep their place, not their text."""

    id: int
    seq: int
    cursor: int
    client_id: str
    author_id: int | None
    author_name: str
    body: str
    parts: list[Segment]
    created_at: str
    edited: bool
    deleted: bool
    hidden: bool
    hidden_reason: str | None

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class PostResult:
    message: MessageView
    duplicate: bool  # True when the client id was already stored: nothing new to broadcast


@dataclass(frozen=True)
class MemberView:
    """A teammate's card (``profiles.service.teammate_card``: consented fields only, never an
    email) plus their local time now."""

    person_id: int
    display_name: str
    institution: str
    time_zone: str | None
    local_time: str | None  # "HH:MM" now in the member's zone
    pronouns: str | None = None
    languages: tuple[tuple[str, str], ...] = ()
    overlap_minutes: int | None = None  # weekly time both can meet, seen from the viewer

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class NoteView:
    text: str
    version: int
    updated_by: str | None
    updated_at: str


@dataclass(frozen=True)
class TaskView:
    id: int
    phase_key: str
    title: str
    state: str
    assignee_id: int | None
    due_on: str | None
    done_by: str | None
    done_at: str | None

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class RoomSnapshot:
    access: RoomAccess
    team_name: str
    last_seq: int
    members: list[MemberView]
    messages: list[MessageView]
    note: NoteView
    tasks: list[TaskView]
    phases: list[dict[str, str]] = field(default_factory=list)


# --- access ------------------------------------------------------------------------------


_ACCESS_CACHE = "tandem.rooms.access"


def check_access(session: Session, actor: Actor, room_id: int) -> RoomAccess:
    """Who the actor is in this room, from the database now; refuses outsiders.

    Read-only: no commit. "Does not exist" and "not yours" are both NotFound for students, so a
    probe cannot learn which room numbers exist. The answer is kept for the rest of the
    session's current transaction only: a socket event checks access before its use case, and
    the use case checks again; within one transaction the second read would see the same rows,
    and the next event (or anything after a commit) reads afresh, so a removed member is still
    refused on their very next event.
    """
    key = (actor.person_id, room_id)
    _check_members(session, {key})  # the one query for members, every event's case
    hit = _cached_access(session).get(key)
    if hit is not None:
        return hit
    # Not a member: a teacher of the exchange may observe.
    room = session.get(Room, room_id)
    team = session.get(Team, room.team_id) if room is not None else None
    if team is None or not is_exchange_teacher(session, actor.person_id, team.exchange_id):
        raise NotFound(N_("This room does not exist or is not yours."))
    name = _name(session.get(Person, actor.person_id))
    access = RoomAccess(room_id, team.id, team.exchange_id, actor.person_id, False, True, name)
    _cached_access(session)[key] = access
    return access


def _cached_access(session: Session) -> dict[tuple[int, int], RoomAccess]:
    """This transaction's answers of check_access, by (person, room); new for a new one."""
    transaction = session.get_transaction()
    cached: tuple[object, dict[tuple[int, int], RoomAccess]] | None
    cached = session.info.get(_ACCESS_CACHE)
    if cached is None or transaction is None or cached[0] is not transaction:
        cached = (transaction, {})
        session.info[_ACCESS_CACHE] = cached
    return cached[1]


def _check_members(session: Session, pairs: set[tuple[int, int]]) -> None:
    """check_access for many (person, room) pairs in one query: members land in this
    transaction's cache; anyone else is left to check_access (teacher or refused)."""
    session.connection()  # begins first: the cache is the transaction's
    cache = _cached_access(session)
    wanted = pairs - cache.keys()
    if not wanted:  # checked already in this transaction (a use case after its event's check)
        return
    with ChatCursor(session) as cursor:
        rows = cursor.members(sorted({r for _, r in wanted}), sorted({p for p, _ in wanted}))
    for row in rows:
        if (row.person_id, row.room_id) in wanted:
            name = _shown_name(row.chosen_name, row.lms_name)
            access = RoomAccess(
                row.room_id, row.team_id, row.exchange_id, row.person_id, True, False, name
            )
            cache[(row.person_id, row.room_id)] = access


def _writer(session: Session, actor: Actor, room_id: int) -> RoomAccess:
    access = check_access(session, actor, room_id)
    if not access.can_write:
        raise NotAllowed(N_("Teachers observe this room; only team members can write in it."))
    return access


def _moderator(session: Session, actor: Actor, room_id: int) -> RoomAccess:
    access = check_access(session, actor, room_id)
    if not access.can_moderate:
        raise NotAllowed(N_("Only teachers of this exchange can moderate a room."))
    return access


def open_team_room(session: Session, actor: Actor, team_id: int) -> RoomAccess:
    """The team's room, made on first use; refuses anyone who may not see it."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(N_("This room does not exist or is not yours."))
    room, created = get_or_create(session, Room, {"team_id": team_id}, lambda: Room(team=team))
    access = check_access(session, actor, room.id)
    if created:
        session.commit()
    return access


# --- chat --------------------------------------------------------------------------------


def _take_cursor(session: Session, room_id: int) -> int:
    """The room's next cursor value, for a line's change (plugin.rooms.chat_sql)."""
    with ChatCursor(session) as cursor:
        return cursor.take_cursors(room_id)


def _name(person: Person | None) -> str:
    if person is None:
        return "—"
    return _shown_name(person.chosen_name, person.lms_name)


def _shown_name(chosen_name: str | None, lms_name: str | None) -> str:
    """Person.display_name from its two columns (the access queries read columns, not rows)."""
    return chosen_name or lms_name or "Anonymous"


def _view(message: Message) -> MessageView:
    gone = message.deleted_at is not None or message.hidden_at is not None
    body = "" if gone else message.body
    return MessageView(
        id=message.id,
        seq=message.seq,
        cursor=message.changed_seq,
        client_id=message.client_id,
        author_id=message.author_id,
        author_name=_name(message.author),
        body=body,
        parts=segments(body),
        created_at=message.created_at.isoformat(),
        edited=message.edited_at is not None,
        deleted=message.deleted_at is not None,
        hidden=message.hidden_at is not None,
        hidden_reason=message.hidden_reason,
    )


def _clean_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput(N_("A message cannot be empty."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(N_("A message can be at most 4000 characters."))
    return text


def _find_by_client_id(session: Session, room_id: int, client_id: str) -> Message | None:
    return session.scalar(
        select(Message)
        .options(selectinload(Message.author))
        .where(Message.room_id == room_id, Message.client_id == client_id)
    )


@dataclass(frozen=True)
class NewLine:
    """One chat send as it arrives: who, in which room, the sender's client id, the text."""

    actor: Actor
    room_id: int
    client_id: str
    body: str


Posted = PostResult | TandemError
"""A line's outcome: stored (or found stored: a retry), or refused with the reason."""


def post_message(
    session: Session, actor: Actor, room_id: int, client_id: str, body: str
) -> PostResult:
    """Store a line before anyone is told about it; a retry with the same client id returns
    the stored line instead of storing it twice."""
    outcome = post_messages(session, [NewLine(actor, room_id, client_id, body)])[0]
    if isinstance(outcome, TandemError):
        raise outcome
    return outcome


def post_messages(session: Session, lines: Sequence[NewLine]) -> list[Posted]:
    """Store lines that arrived together in one transaction, before anyone is told of them.

    A group commit: under load a process has many sends in hand at once, and one access query,
    one cursor update per room, one INSERT and one commit for all of them cost a fraction of a
    transaction each (py-spy on bench/rooms.py: the transaction, not the row, was most of a
    send). Every line still has its access checked in the transaction that stores it. Each
    line gets its own outcome, in order: one refusal (no access, a teacher, bad text) never
    refuses the others. A retried client id returns the line stored before (``duplicate``).
    """
    outcomes: list[Posted | None] = [None] * len(lines)
    _check_members(session, {(line.actor.person_id, line.room_id) for line in lines})
    first: dict[tuple[int, str], int] = {}  # (room, client id) -> the line that stores it
    new: list[_Accepted] = []
    for i, line in enumerate(lines):
        try:
            access = _writer(session, line.actor, line.room_id)
            if not line.client_id or len(line.client_id) > MAX_CLIENT_ID_CHARS:
                raise InvalidInput(N_("A message needs a client id of 1 to 64 characters."))
            text = _clean_body(line.body)
        except TandemError as refused:
            outcomes[i] = refused
            continue
        if first.setdefault((line.room_id, line.client_id), i) == i:
            new.append(_Accepted(i, line, access.display_name, text, utcnow()))
    if new:
        try:
            stored = _store(session, new)
        except ClientIdTaken:
            # A client id already stored: a retry, long after its first send or racing it on
            # another connection. Asking first would cost every send a query for the rare
            # retry; instead nothing of this transaction is kept, and each line goes alone.
            session.rollback()
            if len(lines) > 1:
                return [post_messages(session, [line])[0] for line in lines]
            found = _stored_before(session, lines[0])
            session.commit()  # ends the read, as below
            return [found]
        for accepted, (message_id, seq) in zip(new, stored, strict=True):
            outcomes[accepted.index] = PostResult(accepted.view(message_id, seq), duplicate=False)
    # Also when nothing was stored: the transaction ends here, not when the caller's session
    # closes. On SQLite it holds the write lock, and the group commit's leader may yield
    # (broadcasting) before its session closes, while the next batch wants the lock.
    session.commit()
    for i, line in enumerate(lines):
        if outcomes[i] is None:  # the same send twice in one batch: the first one stored it
            original = outcomes[first[(line.room_id, line.client_id)]]
            assert isinstance(original, PostResult)  # noqa: S101 - firsts are stored or refused
            outcomes[i] = PostResult(original.message, duplicate=True)
    return [outcome for outcome in outcomes if outcome is not None]


@dataclass(frozen=True)
class _Accepted:
    """A line that passed every check and is about to be stored."""

    index: int
    line: NewLine
    author_name: str
    text: str
    created_at: datetime

    def row(self, seq: int) -> LineRow:
        line = self.line
        return LineRow(
            line.room_id, seq, line.client_id, line.actor.person_id, self.text, self.created_at
        )

    def view(self, message_id: int, seq: int) -> MessageView:
        """The view built from what was written, instead of loading the row back."""
        return MessageView(
            id=message_id,
            seq=seq,
            cursor=seq,
            client_id=self.line.client_id,
            author_id=self.line.actor.person_id,
            author_name=self.author_name,
            body=self.text,
            parts=segments(self.text),
            created_at=self.created_at.isoformat(),
            edited=False,
            deleted=False,
            hidden=False,
            hidden_reason=None,
        )


def _store(session: Session, new: list[_Accepted]) -> list[tuple[int, int]]:
    """Insert the lines, cursors taken per room in arrival order; (id, seq) of each.

    The rooms' rows are locked in id order: two processes' batches that share rooms then wait
    for each other instead of deadlocking on PostgreSQL.
    """
    counts = Counter(accepted.line.room_id for accepted in new)
    with ChatCursor(session) as cursor:
        next_seq = {
            room: cursor.take_cursors(room, n) - n + 1 for room, n in sorted(counts.items())
        }
        seqs = []
        for accepted in new:
            seqs.append(next_seq[accepted.line.room_id])
            next_seq[accepted.line.room_id] += 1
        ids = cursor.insert_lines(
            [accepted.row(seq) for accepted, seq in zip(new, seqs, strict=True)]
        )
    return list(zip(ids, seqs, strict=True))


def _stored_before(session: Session, line: NewLine) -> PostResult:
    stored = _find_by_client_id(session, line.room_id, line.client_id)
    if stored is None:
        raise RuntimeError("a line broke a unique rule without its client id being stored")
    return PostResult(_view(stored), duplicate=True)


def messages_after(
    session: Session, actor: Actor, room_id: int, cursor: int, limit: int = CATCH_UP_LIMIT
) -> list[MessageView]:
    """Everything new or changed since the client's cursor (reconnect catch-up), oldest first.

    A client that gets ``limit`` lines back asks again from the last cursor it received.
    """
    check_access(session, actor, room_id)
    rows = session.scalars(
        select(Message)
        .options(selectinload(Message.author))
        .where(Message.room_id == room_id, Message.changed_seq > cursor)
        .order_by(Message.changed_seq)
        .limit(max(1, min(limit, CATCH_UP_LIMIT)))
    ).all()
    return [_view(m) for m in rows]


def history_before(
    session: Session, actor: Actor, room_id: int, before_seq: int | None, limit: int = PAGE_SIZE
) -> list[MessageView]:
    """One page of older lines (scrolling up), oldest first; ``None`` means the newest page."""
    check_access(session, actor, room_id)
    query = select(Message).options(selectinload(Message.author))
    query = query.where(Message.room_id == room_id)
    if before_seq is not None:
        query = query.where(Message.seq < before_seq)
    rows = session.scalars(
        query.order_by(Message.seq.desc()).limit(max(1, min(limit, PAGE_SIZE)))
    ).all()
    return [_view(m) for m in reversed(rows)]


def _message_in(session: Session, room_id: int, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.room_id != room_id:
        raise NotFound(N_("This message does not exist."))
    return message


def _own_live_message(session: Session, actor: Actor, room_id: int, message_id: int) -> Message:
    _writer(session, actor, room_id)
    message = _message_in(session, room_id, message_id)
    if message.author_id != actor.person_id:
        raise NotAllowed(N_("You can only change your own messages."))
    if message.deleted_at is not None or message.hidden_at is not None:
        raise InvalidInput(N_("This message was removed and can no longer be changed."))
    return message


def edit_message(
    session: Session, actor: Actor, room_id: int, message_id: int, body: str
) -> MessageView:
    message = _own_live_message(session, actor, room_id, message_id)
    message.body = _clean_body(body)
    message.edited_at = utcnow()
    message.changed_seq = _take_cursor(session, room_id)
    session.commit()
    return _view(message)


def delete_message(session: Session, actor: Actor, room_id: int, message_id: int) -> MessageView:
    """The line keeps its place ("deleted") so replies still make sense; its text is erased."""
    message = _own_live_message(session, actor, room_id, message_id)
    message.deleted_at = utcnow()
    message.body = ""
    message.changed_seq = _take_cursor(session, room_id)
    session.commit()
    return _view(message)


def hide_message(
    session: Session, actor: Actor, room_id: int, message_id: int, reason: str
) -> MessageView:
    """A teacher hides a line with a reason everyone in the room sees; the text is kept for
    the record but never sent to clients again."""
    _moderator(session, actor, room_id)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(N_("Give a reason of 1 to 500 characters for hiding a message."))
    message = _message_in(session, room_id, message_id)
    message.hidden_at = utcnow()
    message.hidden_by_id = actor.person_id
    message.hidden_reason = reason
    message.changed_seq = _take_cursor(session, room_id)
    session.commit()
    return _view(message)


# --- members and presence ----------------------------------------------------------------


def local_time(time_zone: str | None, now: datetime) -> str | None:
    """Wall-clock time in a zone, or None for a missing or unknown zone."""
    if not time_zone:
        return None
    try:
        return now.astimezone(ZoneInfo(time_zone)).strftime("%H:%M")
    except (ZoneInfoNotFoundError, ValueError):
        return None


def room_members(session: Session, actor: Actor, room_id: int, now: datetime) -> list[MemberView]:
    """Teammates as other institutions may see them: their cards and local time. No email."""
    access = check_access(session, actor, room_id)
    rows = session.execute(
        select(Person, Profile)
        .join(TeamMembership, TeamMembership.person_id == Person.id)
        .outerjoin(Profile, Profile.person_id == Person.id)
        .where(TeamMembership.team_id == access.team_id)
        .order_by(TeamMembership.id)
    ).all()
    viewer = find_profile(session, actor.person_id)
    viewer_person = session.get(Person, actor.person_id)
    views = []
    for person, profile in rows:
        card = teammate_card(person, profile, viewer)
        shown = shares_with(person, profile, "time_zone", viewer_person)
        zone = profile.time_zone if profile is not None and shown else None
        views.append(
            MemberView(
                person_id=person.id,
                display_name=_name(person),
                institution=card.institution,
                time_zone=zone,
                local_time=local_time(zone, now),
                pronouns=card.pronouns,
                languages=card.languages,
                overlap_minutes=card.overlap_minutes,
            )
        )
    return views


@dataclass(frozen=True)
class TeamLine:
    """A team as its exchange's teachers see it on the way to its room."""

    team_id: int
    name: str
    members: list[tuple[int, str, str]]  # person id, display name, institution
    removable: frozenset[int] = frozenset()  # whom the viewing teacher may take out


def my_team_in(session: Session, actor: Actor, exchange_id: int) -> int | None:
    """The actor's team in an exchange (one at most), or None before teams are formed."""
    return session.scalar(
        select(TeamMembership.team_id).where(
            TeamMembership.exchange_id == exchange_id,
            TeamMembership.person_id == actor.person_id,
        )
    )


def exchange_teams(session: Session, actor: Actor, exchange_id: int) -> list[TeamLine]:
    """Every team of the exchange with its members, for the teachers who observe the rooms."""
    if not is_exchange_teacher(session, actor.person_id, exchange_id):
        raise NotAllowed(N_("Only teachers of this exchange can see all its teams."))
    teams = session.scalars(
        select(Team)
        .where(Team.exchange_id == exchange_id)
        .options(selectinload(Team.members).joinedload(TeamMembership.person))
        .order_by(Team.id)
    ).all()
    mine = session.scalar(select(Person.institution_id).where(Person.id == actor.person_id))
    return [
        TeamLine(
            team_id=team.id,
            name=team.name,
            members=[
                (m.person_id, _name(m.person), m.person.institution.name)
                for m in sorted(team.members, key=lambda m: m.id)
            ],
            # the rule of plugin.teams.service.remove_member: own university's students only
            removable=frozenset(
                m.person_id for m in team.members if m.person.institution_id == mine
            ),
        )
        for team in teams
    ]


def room_of_team(session: Session, team_id: int) -> int | None:
    """The team's room id, if anyone opened it yet (nobody can be connected otherwise)."""
    return session.scalar(select(Room.id).where(Room.team_id == team_id))


# --- shared note -------------------------------------------------------------------------


def _note_view(session: Session, note: Note) -> NoteView:
    who = session.get(Person, note.updated_by_id) if note.updated_by_id else None
    return NoteView(
        text=note.text,
        version=note.version,
        updated_by=_name(who) if who else None,
        updated_at=note.updated_at.isoformat(),
    )


def get_note(session: Session, actor: Actor, room_id: int) -> NoteView:
    check_access(session, actor, room_id)
    note = session.scalar(select(Note).where(Note.room_id == room_id))
    if note is None:
        return NoteView(text="", version=0, updated_by=None, updated_at=utcnow().isoformat())
    return _note_view(session, note)


# --- tasks -------------------------------------------------------------------------------


def _phases(session: Session, exchange_id: int) -> list[dict[str, str]]:
    exchange = session.get(Exchange, exchange_id)
    phases = [
        {"key": str(p.get("key")), "title": phase_title(str(p.get("key")), p.get("title"))}
        for p in (exchange.phases if exchange else [])
        if p.get("key")
    ]
    return phases or [{"key": GENERAL_PHASE, "title": GENERAL_TITLE}]


def _task_view(session: Session, task: Task) -> TaskView:
    done_by = session.get(Person, task.done_by_id) if task.done_by_id else None
    return TaskView(
        id=task.id,
        phase_key=task.phase_key,
        title=task.title,
        state=task.state.value,
        assignee_id=task.assignee_id,
        due_on=task.due_on.isoformat() if task.due_on else None,
        done_by=_name(done_by) if done_by else None,
        done_at=task.done_at.isoformat() if task.done_at else None,
    )


def list_tasks(session: Session, actor: Actor, room_id: int) -> list[TaskView]:
    check_access(session, actor, room_id)
    tasks = session.scalars(select(Task).where(Task.room_id == room_id).order_by(Task.id)).all()
    return [_task_view(session, t) for t in tasks]


def _check_assignee(session: Session, access: RoomAccess, assignee_id: int | None) -> None:
    if assignee_id is None:
        return
    found = session.scalar(
        select(TeamMembership.id).where(
            TeamMembership.team_id == access.team_id, TeamMembership.person_id == assignee_id
        )
    )
    if found is None:
        raise InvalidInput(N_("A task can only be assigned to a member of the team."))


def add_task(
    session: Session,
    actor: Actor,
    room_id: int,
    phase_key: str,
    title: str,
    assignee_id: int | None = None,
    due_on: date | None = None,
) -> TaskView:
    access = _writer(session, actor, room_id)
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput(N_("A task title must be 1 to 200 characters."))
    if phase_key not in {p["key"] for p in _phases(session, access.exchange_id)}:
        raise InvalidInput(N_("This phase is not part of the exchange."))
    _check_assignee(session, access, assignee_id)
    task = Task(
        room_id=room_id,
        phase_key=phase_key,
        title=title,
        assignee_id=assignee_id,
        due_on=due_on,
        created_by_id=actor.person_id,
    )
    session.add(task)
    session.commit()
    return _task_view(session, task)


def update_task(
    session: Session,
    actor: Actor,
    room_id: int,
    task_id: int,
    state: str,
    assignee_id: int | None = None,
) -> TaskView:
    """Move a task between open, doing and done; done records who and when."""
    access = _writer(session, actor, room_id)
    task = session.get(Task, task_id)
    if task is None or task.room_id != room_id:
        raise NotFound(N_("This task does not exist."))
    try:
        new_state = TaskState(state)
    except ValueError as error:
        raise InvalidInput(N_("A task is open, doing or done.")) from error
    _check_assignee(session, access, assignee_id)
    task.assignee_id = assignee_id
    if new_state is TaskState.DONE and task.state is not TaskState.DONE:
        task.done_by_id, task.done_at = actor.person_id, utcnow()
    elif new_state is not TaskState.DONE:
        task.done_by_id, task.done_at = None, None
    task.state = new_state
    session.commit()
    return _task_view(session, task)


# --- snapshot ----------------------------------------------------------------------------


def room_snapshot(session: Session, actor: Actor, room_id: int, now: datetime) -> RoomSnapshot:
    """All a client needs on (re)joining; the newest page of chat, older pages on request."""
    access = check_access(session, actor, room_id)
    team = session.get_one(Team, access.team_id)
    # A column read, not the Room object: the cursor moves by driver UPDATEs
    # (plugin.rooms.chat_sql), which an object already in the session's identity map would not
    # see.
    last_seq = session.scalar(select(Room.last_seq).where(Room.id == room_id))
    return RoomSnapshot(
        access=access,
        team_name=team.name,
        last_seq=int(last_seq or 0),
        members=room_members(session, actor, room_id, now),
        messages=history_before(session, actor, room_id, None),
        note=get_note(session, actor, room_id),
        tasks=list_tasks(session, actor, room_id),
        phases=_phases(session, access.exchange_id),
    )


def rooms_of(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(team id, team name) of the actor's teams, for links to their rooms."""
    rows = session.execute(
        select(Team.id, Team.name)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.person_id == actor.person_id)
        .order_by(Team.id)
    ).all()
    return [(int(i), str(n)) for i, n in rows]
