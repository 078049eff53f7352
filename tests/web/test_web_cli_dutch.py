"""The ``tandem`` commands speak Dutch when the shell asks for it (LANG, LC_*, LANGUAGE).

Every help page and every line a person reads must differ from the English one and hold the
catalogue's Dutch; JSON, key sets and registration URLs stay the same in both languages.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_file
from click.testing import Result
from flask import Flask

from tests.web.test_web_cli import PLATFORM
from web.cli import cli
from web.cli_i18n import CLICK_WORDS, TRANSLATIONS, language

ROOT = Path(__file__).resolve().parents[2]
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
ENGLISH: dict[str, str | None] = dict.fromkeys(LOCALE_VARIABLES) | {"LANG": "en_GB.UTF-8"}
DUTCH: dict[str, str | None] = dict.fromkeys(LOCALE_VARIABLES) | {"LANG": "nl_NL.UTF-8"}
CATALOGUE = gettext.translation("messages", str(TRANSLATIONS), languages=["nl"])


def _flat(text: str) -> str:
    return " ".join(text.split())


def _run(app: Flask, env: dict[str, str | None], *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["tandem", *args], env=env)


def _commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_NL.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL overrides LANG
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:nl"}, "nl"),  # the first with a catalogue
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_comes_from_the_environment_like_gettext_tools(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert language() == expected


def test_every_help_page_is_dutch(app: Flask) -> None:
    for path, command in _commands(cli):
        english = _run(app, ENGLISH, *path, "--help")
        assert english.exit_code == 0, (path, english.output)
        # After an English run the tree's help texts are the English msgids.
        options = [p for p in command.params if isinstance(p, click.Option)]
        assert command.help, f"tandem {' '.join(path)} has no help"
        assert all(o.help for o in options), f"tandem {' '.join(path)}: an option has no help"
        texts = [str(command.help), *(str(o.help) for o in options)]
        dutch = _run(app, DUTCH, *path, "--help")
        assert dutch.exit_code == 0, (path, dutch.output)
        assert dutch.output != english.output
        assert dutch.output.startswith("Gebruik: ")
        assert "Opties:" in dutch.output
        assert "Deze hulp tonen en stoppen." in dutch.output
        for text in texts:
            nl = CATALOGUE.gettext(text)
            assert nl != text, f"not translated: {text!r}"
            assert _flat(nl) in _flat(dutch.output), (path, nl)


def _same_exit_different_words(
    app: Flask, args: list[str], english_words: str, dutch_words: str, code: int
) -> None:
    english = _run(app, ENGLISH, *args)
    dutch = _run(app, DUTCH, *args)
    for result, words in ((english, english_words), (dutch, dutch_words)):
        assert result.exit_code == code, (args, result.output, result.exc_info)
        assert words in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert english.output != dutch.output


def test_platform_commands_report_in_dutch(app: Flask) -> None:
    _same_exit_different_words(app, ["platform", "list"], "No platforms", "Er is geen", 0)
    added = _run(app, DUTCH, "platform", "add", *PLATFORM)
    assert added.exit_code == 0, added.output
    assert "https://brightspace.example.org geregistreerd (client-id abc-123)." in added.output
    _same_exit_different_words(
        app, ["platform", "add", *PLATFORM], "already registered", "al geregistreerd", 1
    )
    _same_exit_different_words(app, ["platform", "list"], "manual, active", "handmatig, actief", 0)
    for env, words in (
        (ENGLISH, "Added deployment dep-2."),
        (DUTCH, "Deployment dep-3 toegevoegd."),
    ):
        deployment = "dep-2" if env is ENGLISH else "dep-3"
        added = _run(
            app, env, "platform", "add-deployment", *PLATFORM[:4], "--deployment", deployment
        )
        assert added.exit_code == 0, added.output
        assert words in added.output
    _same_exit_different_words(
        app,
        ["platform", "add-deployment", *PLATFORM[:4], "--deployment", "dep-2"],
        "already registered",
        "al geregistreerd",
        1,
    )
    _same_exit_different_words(
        app, ["platform", "replace", "nope", "abc-123"], "No registration", "Geen registratie", 1
    )
    _same_exit_different_words(
        app, ["platform", "add", "--issuer", "x"], "Missing option", "Ontbrekende optie", 2
    )
    _same_exit_different_words(app, ["nosuch"], "No such command", "bestaat niet", 2)
    removed = _run(app, DUTCH, "platform", "remove", *PLATFORM[:4])
    assert removed.exit_code == 0
    assert "verwijderd (client-id abc-123)" in removed.output


def test_institution_keys_grades_and_registrar_commands_report_in_dutch(app: Flask) -> None:
    _same_exit_different_words(app, ["institution", "list"], "No institutions", "Nog geen", 0)
    _same_exit_different_words(
        app, ["institution", "edit", "1"], "Give at least one", "Geef minstens", 2
    )
    _same_exit_different_words(
        app, ["institution", "edit", "999", "--country", "NL"], "not known", "niet bekend", 1
    )
    _same_exit_different_words(app, ["keys", "status"], "current", "huidige", 0)
    _same_exit_different_words(
        app, ["keys", "rotate", "--step", "nope"], "Invalid value", "Ongeldige waarde", 2
    )
    _same_exit_different_words(
        app, ["keys", "rotate", "--step", "retire"], "no previous", "geen vorige", 0
    )
    _same_exit_different_words(app, ["grades", "send"], "delivered", "afgeleverd", 0)
    _same_exit_different_words(app, ["purge"], "expired rows", "verlopen rijen", 0)
    _same_exit_different_words(app, ["credentials", "retry"], "still held", "wachten nog", 0)
    _same_exit_different_words(
        app,
        ["registrar", "add", "--person-id", "999", "--institution-id", "1"],
        "not known",
        "niet bekend",
        1,
    )
    _same_exit_different_words(app, ["issuers", "list"], "No trusted issuers", "Nog geen", 0)
    _same_exit_different_words(
        app, ["worker", "--workers", "0"], "not in the range", "ligt niet in het bereik", 2
    )


def test_verify_and_privacy_records_are_dutch(app: Flask, tmp_path: Path) -> None:
    _same_exit_different_words(
        app, ["credentials", "issue-sample", "--out", str(tmp_path)], "Wrote", "geschreven", 0
    )
    credential = str(tmp_path / "credential.json")
    _same_exit_different_words(
        app,
        ["credentials", "verify", credential, "--offline"],
        "VALID, UNKNOWN ISSUER",
        "GELDIG, ONBEKENDE UITGEVER",
        0,
    )
    tampered = json.loads((tmp_path / "credential.json").read_text())
    tampered["name"] = "Something else"
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    _same_exit_different_words(
        app,
        ["credentials", "verify", str(tmp_path / "tampered.json"), "--offline"],
        "FAIL proof",
        "FOUT proof",
        1,
    )
    _same_exit_different_words(
        app,
        ["credentials", "verify", str(tmp_path / "missing.json")],
        "does not exist",
        "bestaat niet",
        2,
    )
    _same_exit_different_words(
        app, ["privacy", "records"], "records of processing", "Verwerkingsverantwoordelijke", 0
    )


def test_machine_readable_output_is_the_same_in_both_languages(app: Flask) -> None:
    assert _run(app, DUTCH, "platform", "add", *PLATFORM).exit_code == 0
    for args in (
        ["platform", "list", "--json"],
        ["institution", "list", "--json"],
        ["privacy", "records", "--json"],
        ["jwks"],
    ):
        english, dutch = _run(app, ENGLISH, *args), _run(app, DUTCH, *args)
        assert english.exit_code == dutch.exit_code == 0, (args, dutch.output)
        assert json.loads(english.output) == json.loads(dutch.output), args
    records = json.loads(_run(app, DUTCH, "privacy", "records", "--json").output)
    assert {item["on_erasure"] for item in records["items"]} <= {
        "deleted",
        "kept, no longer linked to the person",
        "kept as a 'removed' marker: personal columns emptied, link removed",
        "kept (a teacher's administrative act), linked to a nameless record",
    }
    invite = _run(app, DUTCH, "platform", "invite")
    assert invite.exit_code == 0
    assert re.fullmatch(r"https?://\S+/lti/register\?invite=\S+\n", invite.output)


def test_the_console_script_speaks_dutch_and_refuses_bad_settings_in_dutch(
    tmp_path: Path,
) -> None:
    tandem = Path(sys.executable).parent / "tandem"
    env = {"TANDEM_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "nl_NL.UTF-8"}
    shown = subprocess.run(
        [str(tandem), "db", "--help"], env=env, capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0, shown.stderr
    assert "Het databaseschema." in shown.stdout
    refused = subprocess.run(
        [str(tandem), "purge"],
        env={**env, "TANDEM_SMTP_PORT": "many"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert refused.stderr == "Fout: TANDEM_SMTP_PORT moet een poortnummer zijn (1-65535).\n"
    production = subprocess.run(
        [str(tandem), "purge"],
        env={**env, "TANDEM_ENV": "production", "LANG": "en_GB.UTF-8", "LC_ALL": "nl_NL.UTF-8"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert production.returncode == 2
    assert production.stderr.startswith("Fout: Tandem start niet in productie: stel TANDEM_SECRET")
    assert "Traceback" not in production.stderr


# Click's words that a ``tandem`` command never shows: programming mistakes raised while the
# commands are defined, and warnings for deprecated commands or options (Tandem has none).
NEVER_SHOWN = {
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}",
}
CLICK_MODULES = ("core.py", "exceptions.py", "types.py", "parser.py", "formatting.py")


def test_click_words_are_exactly_the_ones_click_uses() -> None:
    folder = Path(click.__file__).parent
    used: set[str] = set()
    for module in CLICK_MODULES:
        for _line, message, _comments, _context in extract_from_file("python", folder / module):
            used.add(message if isinstance(message, str) else message[0])
    used.add("required")  # core.py translates it through a variable: _(extra["required"])
    listed = {word.msgid for word in CLICK_WORDS} - {"Show this message and exit."}
    assert used - NEVER_SHOWN == listed
    for word in CLICK_WORDS:
        assert CATALOGUE.gettext(word.msgid) != word.msgid, f"no Dutch for {word.msgid!r}"


def _bare_text(node: ast.expr) -> bool:
    """English prose written straight into the call: a literal, or an f-string whose literal
    parts hold two words in a row (a table row's ``client=`` label is not a sentence)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        literal = "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
        return re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", literal) is not None
    return False


def test_no_command_writes_english_outside_a_translation_call() -> None:
    shown_by = {"echo", "ClickException", "UsageError", "BadParameter", "secho", "prompt"}
    found = []
    for path in sorted((ROOT / "web").glob("cli*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = name or (node.func.id if isinstance(node.func, ast.Name) else None)
            arguments = [k.value for k in node.keywords if k.arg == "help"]
            if name in shown_by:
                arguments += node.args[:1]
            found += [f"{path.name}:{a.lineno}" for a in arguments if _bare_text(a)]
    assert found == []
