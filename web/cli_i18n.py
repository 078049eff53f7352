"""The ``tandem`` commands speak the language of the shell that runs them.

A command line has no browser to ask, so the language comes from the environment the way
gettext tools decide it (``LANGUAGE``, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``: the first one
set wins; ``LANG=nl_NL.UTF-8 tandem ...`` speaks Dutch, anything without a catalogue English).
The words come from the pages' own catalogue (web/translations), read through the standard
library's gettext rather than Flask-Babel: help texts are shown while Click parses, before
any app context exists, and Click's own words ("Usage:", "Missing option") go through that same
gettext, so the command's words and Click's can never be in two languages.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

import click

from plugin.errors import TandemError
from plugin.i18n import N_, Nn_, Text, translate

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"  # Tandem's catalogue, and the domain Click's gettext calls use
ENGLISH = "en"


def use_catalogue() -> None:
    """Let Click's own messages come from Tandem's catalogue too (gettext's default domain)."""
    stdlib_gettext.bindtextdomain(DOMAIN, str(TRANSLATIONS))


def _catalogue() -> stdlib_gettext.NullTranslations:
    # gettext caches the parsed catalogue per file; the environment is read on every call, so
    # a test that changes LANG between commands gets the language it asked for.
    return stdlib_gettext.translation(DOMAIN, str(TRANSLATIONS), fallback=True)


def language() -> str:
    """The language the environment asks for that Tandem has a catalogue for, else English."""
    found = stdlib_gettext.find(DOMAIN, str(TRANSLATIONS))
    return Path(found).parents[1].name if found else ENGLISH


def _(msgid: str, /, **params: object) -> str:
    """A message in the shell's language; ``%(name)s`` placeholders take ``params``."""
    text = _catalogue().gettext(msgid)
    return text % params if params else text


def ngettext(singular: str, plural: str, num: int, /, **params: object) -> str:
    """A message with plural forms; ``%(num)d`` is the count."""
    text = _catalogue().ngettext(singular, plural, num)
    return text % {"num": num, **params}


def translated(message: str) -> str:
    """A domain message (``plugin.i18n.N_``) or any msgid, in the shell's language."""
    return translate(message, _, ngettext)


@contextmanager
def clear_errors() -> Iterator[None]:
    """A use case's refusal becomes Click's one-line "Error: ..." and exit code 1."""
    try:
        yield
    except TandemError as error:
        raise click.ClickException(translated(error.message)) from error


_ENGLISH_HELP: WeakKeyDictionary[object, dict[str, str | None]] = WeakKeyDictionary()
_HELP_ATTRIBUTES = ("help", "short_help")


def _localize_help(thing: click.Command | click.Parameter) -> None:
    english = _ENGLISH_HELP.setdefault(
        thing, {name: getattr(thing, name, None) for name in _HELP_ATTRIBUTES}
    )
    for name, text in english.items():
        if text is not None:
            setattr(thing, name, translated(text))


def localize(command: click.Command, ctx: click.Context) -> None:
    """Put ``command``'s tree's help texts (kept in English, marked ``N_``) in the shell's
    language. Click stores help unprocessed and reads it only when it shows it, so doing this
    before parsing covers ``--help`` at every level and the command lists."""
    _localize_help(command)
    for param in command.params:
        _localize_help(param)
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        # Click words its --help option once per process, in the language of that moment.
        help_option.help = _("Show this message and exit.")
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            localize(sub, ctx)


# Click's own words a ``tandem`` command can show (click's core, exceptions, parser, types and
# formatting modules), so that extraction keeps them in the catalogue and Dutch has them.
# tests/web/test_web_cli_dutch.py fails when Click stops using one, or uses one not listed.
CLICK_WORDS: tuple[Text, ...] = (
    N_("Aborted!"),
    N_("deprecated"),
    N_("Options"),
    N_("Positional arguments"),
    Nn_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 2),
    N_("Commands"),
    N_("Missing command."),
    N_("Value must be an iterable."),
    Nn_("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given.", 2),
    N_("env var: {var}"),
    N_("default: {default}"),
    N_("required"),
    N_("(dynamic)"),
    N_("Show this message and exit."),
    Nn_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 2),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("unknown error"),
    N_("Could not open file {filename!r}: {message}"),
    N_("Usage:"),
    N_("Invalid start character for option ({option})"),
    N_("Argument {name!r} takes {nargs} values."),
    N_("Option {name!r} does not take a value."),
    Nn_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 2),
    N_("Choose from:\n\t{choices}"),
    Nn_("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 2),
    N_("Choice({choices})"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value!r} is not a valid UUID."),
    Nn_(
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
        2,
    ),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("{name} {filename!r} is not executable."),
    Nn_(
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
        2,
    ),
)
