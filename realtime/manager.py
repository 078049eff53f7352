"""Socket.IO client managers that know each connection's rooms.

python-socketio finds the rooms of a connection that leaves by looking into every room of the
namespace, and every connection has a room of its own besides its team's: each disconnect costs
time in proportion to everyone connected. When a process dies, its thousand clients reconnect
to the others and many time out and leave again; in the 2,000-student soak those scans were 11%
of the surviving process's CPU, more than its SQL. Here each connection's rooms are kept beside
it, so leaving costs only its own few rooms.
"""

from __future__ import annotations

from typing import Any

import socketio

Key = tuple[str, str]  # (namespace, sid)


class _RoomsBySid:
    """Keeps ``rooms_by_sid`` true beside python-socketio's own ``rooms`` (room -> members)."""

    rooms: dict[str, dict[Any, Any]]
    callbacks: dict[str, Any]
    pending_connect: dict[str, list[str]]
    pending_disconnect: dict[str, list[str]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rooms_by_sid: dict[Key, set[Any]] = {}

    def basic_enter_room(
        self, sid: str, namespace: str, room: Any, eio_sid: str | None = None
    ) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)  # type: ignore[misc]
        self.rooms_by_sid.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
        joined = self.rooms_by_sid.get((namespace, sid))
        if joined is not None:
            joined.discard(room)
            if not joined:
                del self.rooms_by_sid[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **_kwargs: Any) -> None:
        """Leave its own rooms, then forget its pending acks and its place in the connecting
        and leaving queues."""
        if namespace not in self.rooms:
            return
        for room in list(self.rooms_by_sid.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.rooms_by_sid.pop((namespace, sid), None)
        self.callbacks.pop(sid, None)
        for queues in (self.pending_connect, self.pending_disconnect):
            waiting = queues.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del queues[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        return [r for r in self.rooms_by_sid.get((namespace, sid), ()) if r is not None]


class Manager(_RoomsBySid, socketio.Manager):  # type: ignore[misc]
    """One process alone."""


class RedisManager(_RoomsBySid, socketio.RedisManager):  # type: ignore[misc]
    """Every process through Redis."""
