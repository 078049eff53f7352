"""realtime.manager keeps each connection's rooms beside it: after any sequence of connects,
joins, leaves, room closings and disconnects it holds exactly the rooms python-socketio's own
manager holds, and a disconnect no longer costs time in proportion to everyone connected."""

from __future__ import annotations

import itertools
import json
import time
from types import SimpleNamespace
from typing import Any

import socketio
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime.manager import Manager

NS = "/rooms"
Step = tuple[str, int, int]  # (what, connection, team room)


def _started(manager: Any) -> Any:
    ids = itertools.count()
    manager.set_server(
        SimpleNamespace(eio=SimpleNamespace(generate_id=lambda: f"s{next(ids)}"),
                        packet_class=SimpleNamespace(json=json))
    )  # fmt: skip
    manager.initialize()
    return manager


def _play(manager: Any, steps: list[Step]) -> list[str]:
    sids: list[str] = []
    for what, who, team in steps:
        if what == "connect" or not sids:
            sids.append(manager.connect(f"e{len(sids)}", NS))
            continue
        sid = sids[who % len(sids)]
        if not manager.is_connected(sid, NS):
            continue
        if what == "enter":
            manager.enter_room(sid, NS, f"team-{team}")
        elif what == "leave":
            manager.leave_room(sid, NS, f"team-{team}")
        elif what == "close":
            manager.close_room(f"team-{team}", NS)
        else:
            manager.disconnect(sid, NS)
    return sids


steps = st.lists(
    st.tuples(
        st.sampled_from(["connect", "enter", "leave", "close", "disconnect"]),
        st.integers(0, 20),
        st.integers(0, 4),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_the_same_rooms_as_python_socketios_manager(played: list[Step]) -> None:
    ours, theirs = _started(Manager()), _started(socketio.Manager())
    sids = _play(ours, played)
    assert _play(theirs, played) == sids
    assert ours.rooms == theirs.rooms
    for sid in sids:
        assert sorted(ours.get_rooms(sid, NS), key=str) == sorted(
            theirs.get_rooms(sid, NS), key=str
        )
    assert ours.rooms_by_sid == {
        (NS, sid): {room for room, members in theirs.rooms.get(NS, {}).items() if sid in members}
        for sid in sids
        if any(sid in members for members in theirs.rooms.get(NS, {}).values())
    }


def _disconnect_half(manager: Any, clients: int) -> float:
    """Seconds to disconnect half of ``clients`` connections in teams of five."""
    _started(manager)
    sids = [manager.connect(f"e{n}", NS) for n in range(clients)]
    for n, sid in enumerate(sids):
        manager.enter_room(sid, NS, f"team-{n // 5}")
    began = time.perf_counter()
    for sid in sids[::2]:
        manager.disconnect(sid, NS)
    return time.perf_counter() - began


def test_a_disconnect_costs_its_own_rooms_not_everyones() -> None:
    ours = _disconnect_half(Manager(), 2000)
    theirs = _disconnect_half(socketio.Manager(), 2000)
    assert ours * 10 < theirs, (ours, theirs)
