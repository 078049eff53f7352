"""GroupCommit: senders that arrive together are written together, each told its own outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from realtime.group_commit import GroupCommit


def test_concurrent_senders_share_writes_and_each_gets_its_own_outcome() -> None:
    group: GroupCommit[int, str] = GroupCommit()
    batches: list[list[int]] = []

    def write(items: Sequence[int]) -> list[str]:
        batches.append(list(items))
        time.sleep(0.05)  # a slow commit: the others queue up meanwhile
        return [f"stored {i}" for i in items]

    results: dict[int, str] = {}

    def send(i: int) -> None:
        results[i] = group.submit(i, write)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: f"stored {i}" for i in range(20)}
    assert sorted(i for batch in batches for i in batch) == list(range(20))
    assert len(batches) < 20  # some were written together


def test_a_failed_write_fails_every_sender_in_it_and_the_next_write_runs() -> None:
    group: GroupCommit[int, int] = GroupCommit()

    def broken(items: Sequence[int]) -> list[int]:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        group.submit(1, broken)
    assert group.submit(2, lambda items: [i * 10 for i in items]) == 20


def test_a_write_that_forgets_an_item_is_an_error_not_a_silent_none() -> None:
    group: GroupCommit[int, int] = GroupCommit()
    with pytest.raises(RuntimeError, match="every item"):
        group.submit(1, lambda items: [])


def test_a_lone_send_is_written_at_once_without_gathering() -> None:
    group: GroupCommit[int, int] = GroupCommit(gather_seconds=2.0)
    began = time.monotonic()
    assert group.submit(1, lambda items: [i * 10 for i in items]) == 10
    assert time.monotonic() - began < 1.0


def test_a_leader_that_finds_company_gathers_the_sends_still_on_their_way() -> None:
    group: GroupCommit[int, int] = GroupCommit(gather_seconds=0.5)
    batches: list[list[int]] = []

    def write(items: Sequence[int]) -> list[int]:
        batches.append(sorted(items))
        return list(items)

    def send(i: int) -> None:
        group.submit(i, write)

    # Two sends queue up behind a write under way (the turn held here), so the next leader
    # finds company; a third arrives while it gathers, and joins the same batch.
    with group._turn:
        first = [threading.Thread(target=send, args=(i,)) for i in (1, 2)]
        for t in first:
            t.start()
        while len(group._queue) < 2:
            time.sleep(0.001)
    late = threading.Thread(target=send, args=(3,))
    time.sleep(0.1)
    late.start()
    for t in [*first, late]:
        t.join()
    assert batches == [[1, 2, 3]]
