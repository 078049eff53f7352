"""Domain errors: words a person understands, no HTTP codes (web/errors.py maps them)."""


class TandemError(Exception):
    """Base of every error a use case raises on purpose; its message is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(TandemError):
    """The thing asked for does not exist, or the actor may not know that it does."""


class NotAllowed(TandemError):
    """The actor is known but may not do this."""


class Conflict(TandemError):
    """The request clashes with the current state (a duplicate, a stale version)."""


class InvalidInput(TandemError):
    """The input itself is wrong; the message says which field and why."""
