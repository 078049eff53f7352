"""The chat digest: a member hears that teammates wrote while they were away, at most once a
day per team, and never what was written (the notification names the team, not the lines)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.chat.models import Message
from plugin.db import utcnow
from plugin.notifications.service import notify
from plugin.rooms.models import Room
from plugin.teams.models import Team, TeamMembership

WINDOW = timedelta(days=1)
NEVER = datetime.min.replace(tzinfo=UTC)


def send_chat_digests(session: Session, *, now: datetime | None = None) -> int:
    """Notify each member whose teammates wrote after the member's own last line of the day.

    Run by the task queue (daily by default); a second run the same day adds nothing, since
    each team's digest has one dedupe key per day. Returns how many notifications were made.
    """
    moment = now or utcnow()
    latest: dict[int, dict[int, datetime]] = defaultdict(dict)  # team -> author -> last line
    query = (
        select(Room.team_id, Message.author_id, func.max(Message.created_at))
        .join(Room, Room.id == Message.room_id)
        .where(
            Message.created_at > moment - WINDOW,
            Message.deleted_at.is_(None),
            Message.hidden_at.is_(None),
            Message.author_id.is_not(None),
        )
        .group_by(Room.team_id, Message.author_id)
    )
    for team_id, author_id, last in session.execute(query):
        if author_id is not None:
            latest[team_id][author_id] = last
    if not latest:
        return 0
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, person_id in session.execute(
        select(TeamMembership.team_id, TeamMembership.person_id).where(
            TeamMembership.team_id.in_(latest)
        )
    ):
        members[team_id].append(person_id)
    team_names = select(Team.id, Team.name).where(Team.id.in_(latest))
    names: dict[int, str] = {row.id: row.name for row in session.execute(team_names)}
    made = 0
    for team_id, authors in latest.items():
        away = [
            person_id
            for person_id in members[team_id]
            if any(
                when > authors.get(person_id, NEVER)
                for author, when in authors.items()
                if author != person_id
            )
        ]
        made += notify(
            session,
            away,
            "chat_digest",
            {"team": names.get(team_id, "")},
            dedupe_key=f"chat:{team_id}:{moment.date().isoformat()}",
            target=f"room:{team_id}",
        )
    session.commit()
    return made
