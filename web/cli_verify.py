"""``tandem credentials verify`` (the open verifier) and ``tandem issuers`` (the alliance's
trusted-issuer registry). Exit codes of verify: 0 valid, 1 invalid, 2 could not check.

A check's line starts with its mark and its name (``proof``, ``status``: the ids the JSON
report and the page use), then the message in the shell's language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from plugin.credentials import status_list
from plugin.credentials.guards import DEFAULT_LIMITS
from plugin.errors import TandemError
from plugin.i18n import N_
from plugin.issuers.service import import_trusted_issuers, list_trusted_issuers, parse_entries
from web.cli_i18n import _, translated
from web.db import get_session

issuers_cli = AppGroup("issuers", help=N_("The alliance's trusted credential issuers."))
MAX_DID_FILES = 500
# translators: a verification check's mark at the start of its line; keep it short.
_MARKS = {"passed": N_("ok"), "failed": N_("FAIL"), "unchecked": "??"}
_VERDICTS = {
    "valid": N_("VALID: the issuer is on the alliance's list of known institutions."),
    "valid_unknown_issuer": N_("VALID, UNKNOWN ISSUER: the issuer is not on the alliance's list."),
    "invalid": N_("NOT VALID."),
    "unchecked": N_("COULD NOT CHECK: something needed was not available (see ?? above)."),
}


def _read_text(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror}") from None
    if len(data) > limit:
        raise click.ClickException(
            _("%(path)s: larger than %(limit)s bytes.", path=path, limit=limit)
        )
    return data.decode("utf-8", "replace")


def _did_documents(did_path: Path | None) -> dict[str, Any]:
    """A DID document file, or every ``*.json`` in a folder, keyed by its id."""
    if did_path is None:
        return {}
    files = sorted(did_path.glob("*.json"))[:MAX_DID_FILES] if did_path.is_dir() else [did_path]
    documents: dict[str, Any] = {}
    for file in files:
        try:
            document = json.loads(_read_text(file, DEFAULT_LIMITS.max_bytes))
        except (ValueError, RecursionError):
            continue  # not JSON: ignored here, so the report says the issuer was not found
        if isinstance(document, dict) and isinstance(document.get("id"), str):
            documents[document["id"]] = document
    return documents


def verify_file(file: str, did: str | None, status: str | None, offline: bool) -> int:
    """Verify FILE, print one line per check, return the exit code."""
    from web.verifier import verify

    path = Path(file)
    text = _read_text(path, DEFAULT_LIMITS.max_bytes * 2)
    beside = path.parent / "did.json"
    did_path = Path(did) if did else (beside if beside.exists() else None)
    status_beside = path.parent / "status.json"
    status_path = Path(status) if status else (status_beside if status_beside.exists() else None)
    local: dict[str, Any] = {}
    try:
        credential = json.loads(text)
    except (ValueError, RecursionError):
        credential = None
    if status_path is not None and isinstance(credential, dict):
        url = status_list.status_list_url(credential)
        try:
            listed = json.loads(_read_text(status_path, DEFAULT_LIMITS.max_bytes))
        except (ValueError, RecursionError):
            listed = None  # an unreadable list is as good as none: status not checked
        if url and isinstance(listed, dict):
            local[url] = listed
    report = verify(text, documents=_did_documents(did_path), local=local, offline=offline)
    marks = {outcome: translated(mark) for outcome, mark in _MARKS.items()}
    width = max(len(mark) for mark in marks.values())
    for check in [*report.checks, *([report.trust] if report.trust else [])]:
        mark = marks[check.outcome]
        click.echo(f"{mark:{width}} {check.name}: {translated(check.message)}")
    click.echo(translated(_VERDICTS[report.verdict]))
    return report.exit_code


@issuers_cli.command(
    "import",
    help=N_('Add or rename issuers from FILE.json: [{"id": "did:web:...", "name": "..."}].'),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def issuers_import(file: str) -> None:
    try:
        data = json.loads(_read_text(Path(file), 4 * 1024 * 1024))
        outcome = import_trusted_issuers(get_session(), parse_entries(data))
    except (ValueError, RecursionError) as error:
        raise click.ClickException(
            _("%(file)s: not JSON (%(error)s).", file=file, error=error)
        ) from None
    except TandemError as error:
        raise click.ClickException(translated(error.message)) from None
    click.echo(
        _(
            "%(added)s added, %(renamed)s renamed, %(unchanged)s already listed.",
            added=outcome.added,
            renamed=outcome.renamed,
            unchanged=outcome.unchanged,
        )
    )


@issuers_cli.command("list", help=N_("Print the trusted issuers: id, then name."))
def issuers_list() -> None:
    rows = list_trusted_issuers(get_session())
    for row in rows:
        click.echo(f"{row.issuer_id}\t{row.name}")
    if not rows:
        click.echo(_("No trusted issuers yet: `tandem issuers import FILE.json` adds them."))
