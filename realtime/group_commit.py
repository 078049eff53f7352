"""Group commit: the chat sends a process has in hand at once share one transaction.

Under load many send events are runnable together (gevent greenlets, or threads in the
embedded server). The first to arrive leads: it yields once so the others can queue behind
it, then writes everything queued in one call and hands each sender its own outcome. A send
that finds a write under way waits for its turn and is led by the next free sender, so a lone
send costs one yield, and a burst costs one transaction instead of one each (py-spy on
bench/rooms.py: the transaction, not the row, was most of a send's work). Nobody is answered
before the write that holds their line has committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


@dataclass
class _Ticket(Generic[Item, Outcome]):
    item: Item
    done: bool = False
    outcome: Outcome | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Outcome]):
    def __init__(self) -> None:
        self._queue: list[_Ticket[Item, Outcome]] = []
        self._queue_lock = threading.Lock()
        self._turn = threading.Lock()  # one write at a time; gevent makes both cooperative

    def submit(self, item: Item, write: Callable[[Sequence[Item]], Sequence[Outcome]]) -> Outcome:
        """``item``'s outcome once a ``write`` holding it has returned (or its error)."""
        ticket: _Ticket[Item, Outcome] = _Ticket(item)
        with self._queue_lock:
            self._queue.append(ticket)
        with self._turn:
            if not ticket.done:
                time.sleep(0)  # let the sends already read off their sockets queue up
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._write(batch, write)
        if ticket.error is not None:
            raise ticket.error
        return ticket.outcome  # type: ignore[return-value]  # done without error: set

    @staticmethod
    def _write(
        batch: list[_Ticket[Item, Outcome]], write: Callable[[Sequence[Item]], Sequence[Outcome]]
    ) -> None:
        try:
            outcomes = list(write([ticket.item for ticket in batch]))
            if len(outcomes) != len(batch):
                raise RuntimeError("a group write must answer every item it was given")
        except Exception as error:  # every sender in the batch hears of it, not just the leader
            for ticket in batch:
                ticket.error, ticket.done = error, True
            return
        for ticket, outcome in zip(batch, outcomes, strict=True):
            ticket.outcome, ticket.done = outcome, True
