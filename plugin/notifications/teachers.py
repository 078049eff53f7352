"""Notifications for teachers about work that waits on them or on an administrator:
credentials held up (refused scores: plugin.courses.notices). Helpers (no commit): each is
called inside the transaction that records the fact, so the notice and the fact are one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from plugin.notifications.service import notify


def tell_issuance_held(
    session: Session,
    requested_by: int | None,
    completion_id: int,
    exchange_id: int,
    exchange: str,
    learner: str,
) -> int:
    """Tell whoever asked for a credential that it is held (once per completion)."""
    if requested_by is None:
        return 0
    return notify(
        session,
        [requested_by],
        "issuance_held",
        {"exchange": exchange, "learner": learner},
        dedupe_key=f"issuance-held:{completion_id}",
        target=f"exchange:{exchange_id}",
    )
