"""Who is connected to which room: an in-process dict, or a Redis hash shared by processes.

Never SQL: presence changes on every connect and disconnect and is worthless after a restart.
Each connection is one (room, sid) -> person entry, so a person with two tabs stays online
until both close.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import redis

from web import redis_client

logger = logging.getLogger(__name__)


class Presence(Protocol):
    def join(self, room_id: int, sid: str, person_id: int) -> None: ...
    def leave(self, room_id: int, sid: str) -> None: ...
    def online(self, room_id: int) -> set[int]: ...
    def sids(self, room_id: int, person_id: int) -> list[str]: ...


class LocalPresence:
    def __init__(self) -> None:
        self._rooms: dict[int, dict[str, int]] = {}
        self._lock = threading.Lock()

    def join(self, room_id: int, sid: str, person_id: int) -> None:
        with self._lock:
            self._rooms.setdefault(room_id, {})[sid] = person_id

    def leave(self, room_id: int, sid: str) -> None:
        with self._lock:
            self._rooms.get(room_id, {}).pop(sid, None)

    def online(self, room_id: int) -> set[int]:
        with self._lock:
            return set(self._rooms.get(room_id, {}).values())

    def sids(self, room_id: int, person_id: int) -> list[str]:
        with self._lock:
            return [s for s, p in self._rooms.get(room_id, {}).items() if p == person_id]


class RedisPresence:
    """One hash per room. Entries of a crashed process linger until its clients' sids are
    cleaned by ``leave`` on their reconnect elsewhere or the hash expires (a day of idleness).

    Presence is a courtesy: while Redis is away (restarting) a room works without it, so
    ``join``, ``leave`` and ``online`` log the outage and carry on (``online`` then knows of
    nobody) rather than failing the connect, the disconnect or the sync they serve."""

    IDLE_SECONDS = 24 * 3600

    def __init__(self, url: str) -> None:
        self._redis = redis_client.connect(url, decode_responses=True)

    @staticmethod
    def _key(room_id: int) -> str:
        return f"tandem:presence:room:{room_id}"

    def join(self, room_id: int, sid: str, person_id: int) -> None:
        pipe = self._redis.pipeline()
        pipe.hset(self._key(room_id), sid, str(person_id))
        pipe.expire(self._key(room_id), self.IDLE_SECONDS)
        try:
            pipe.execute()
        except redis.RedisError as error:
            logger.warning("Presence not updated on joining room %s: %s", room_id, error)

    def leave(self, room_id: int, sid: str) -> None:
        # A disconnect while Redis restarts (bench/soak.py's fault) logged a traceback per
        # client; the entry then lingers as the docstring says, so one line is enough.
        try:
            self._redis.hdel(self._key(room_id), sid)
        except redis.RedisError as error:
            logger.warning("Presence not updated on leaving room %s: %s", room_id, error)

    def online(self, room_id: int) -> set[int]:
        try:
            values: list[str] = self._redis.hvals(self._key(room_id))  # type: ignore[assignment]
        except redis.RedisError as error:
            logger.warning("Presence of room %s unknown for now: %s", room_id, error)
            return set()
        return {int(v) for v in values}

    def sids(self, room_id: int, person_id: int) -> list[str]:
        entries: dict[str, str] = self._redis.hgetall(self._key(room_id))  # type: ignore[assignment]
        return [s for s, p in entries.items() if p == str(person_id)]


def make_presence(redis_url: str | None) -> Presence:
    return RedisPresence(redis_url) if redis_url else LocalPresence()
