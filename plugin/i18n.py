"""Messages shown to people, marked where they are written.

plugin/ cannot import Flask-Babel, yet its errors reach people in their own language. A use case
raises ``InvalidInput(N_("A title must be 1-%(max)s characters.", max=200))``: the value is a
``str`` holding the English text (so logs, the CLI and tests read it as before) that also carries
its msgid and parameters, which the web layer hands to gettext. Babel extracts ``N_`` and
``Nn_`` from plugin/ (see babel.cfg and the Makefile's ``translations``), so a message cannot
be used without landing in the catalogue.

A parameter that is a ``Decimal`` is a number to show in the reader's own way ("0,5" in Dutch):
the adapter passes a ``number`` formatter, and the English text reads it as Python prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal


class Text(str):
    """English text that remembers how to ask a catalogue for it in another language."""

    msgid: str
    plural: str | None
    number: int | None
    params: Mapping[str, object]

    def __new__(
        cls,
        msgid: str,
        params: Mapping[str, object],
        plural: str | None = None,
        count: int | None = None,
    ) -> Text:
        chosen = plural if plural is not None and count != 1 else msgid
        english = chosen % dict(params) if params else chosen
        text = super().__new__(cls, english)
        text.msgid = msgid
        text.plural = plural
        text.number = count
        text.params = dict(params)
        return text

    def in_language(
        self,
        gettext: Callable[..., str],
        ngettext: Callable[..., str],
        number: Callable[[Decimal], str] | None = None,
    ) -> str:
        """The text in the caller's language, through the caller's own gettext functions
        (and ``number`` for its ``Decimal`` parameters)."""
        params = {
            k: number(v) if number is not None and isinstance(v, Decimal) else v
            for k, v in self.params.items()
        }
        if self.plural is not None and self.number is not None:
            params.pop("num", None)
            return ngettext(self.msgid, self.plural, self.number, **params)
        return gettext(self.msgid, **params)


def N_(msgid: str, /, **params: object) -> Text:  # noqa: N802 - gettext's conventional marker
    """Mark a message for translation; ``%(name)s`` placeholders take ``params``."""
    return Text(msgid, params)


def Nn_(singular: str, plural: str, count: int, /, **params: object) -> Text:  # noqa: N802
    """Mark a message with plural forms; ``%(num)d`` is the count."""
    return Text(singular, {"num": count, **params}, plural=plural, count=count)


def translate(
    message: str,
    gettext: Callable[..., str],
    ngettext: Callable[..., str],
    number: Callable[[Decimal], str] | None = None,
) -> str:
    """Any message an error carries, marked or plain, through the adapter's gettext."""
    if isinstance(message, Text):
        return message.in_language(gettext, ngettext, number)
    return gettext(message)
