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
