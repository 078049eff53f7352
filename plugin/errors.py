"""Domain errors: words a person understands, no HTTP codes (web/errors.py maps them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

FieldError = tuple[str | None, str]
"""(the form field's name, or None for the form as a whole; the message)."""


class TandemError(Exception):
    """Base of every error a use case raises on purpose; its message is shown to the user.

    `field` names the form input it is about (a join code that does not exist), if any.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def field_errors(self) -> list[FieldError]:
        """[(field or None, message)]: what a form shows beside its fields."""
        return [(self.field, self.message)]


class NotFound(TandemError):
    """The thing asked for does not exist, or the actor may not know that it does."""


class NotAllowed(TandemError):
    """The actor is known but may not do this."""


class Conflict(TandemError):
    """The request clashes with the current state (a duplicate, a stale version)."""


class InvalidInput(TandemError):
    """The input itself is wrong; the message says why, and `field` which input it is about.

    Field names are the forms' input names, so a page can show each message beside its field
    (WCAG 3.3.1); one error may carry several (`errors`) so a form shows all its mistakes at once.
    """

    def __init__(
        self, message: str, field: str | None = None, *, errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(message, field)
        self.errors: list[FieldError] = list(errors) if errors else [(field, message)]

    @property
    def field_errors(self) -> list[FieldError]:
        return self.errors


class FieldErrors:
    """Collects a form's mistakes so a use case checks every field and raises once.

    `with errors.field("title"): check_title(...)` records an `InvalidInput` raised inside
    (naming the field when the check did not) and carries on; `raise_if_any()` then raises one
    `InvalidInput` holding them all, in the order found.
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str | None, message: str) -> None:
        if (field, message) not in self.errors:
            self.errors.append((field, message))

    def failed(self, field: str) -> bool:
        return any(name == field for name, _message in self.errors)

    @contextmanager
    def field(self, name: str | None) -> Iterator[None]:
        try:
            yield
        except InvalidInput as error:
            for field, message in error.errors:
                self.add(field or name, message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            field, message = self.errors[0]
            raise InvalidInput(message, field, errors=self.errors)
