"""Registrar use cases: the credential list and signed export batches."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.credentials import keys
from plugin.credentials.service import IssuerContext, active_key
from plugin.db import utcnow
from plugin.ledger.models import EventKind
from plugin.ledger.service import append, head_hash
from plugin.pathways.service import award_components, award_of_credential
from plugin.registrars.service import require_registrar
from plugin.reports.elmo import to_elmo
from plugin.reports.export import manifest, to_csv
from plugin.reports.queries import CredentialRow, credentials_of
from plugin.xsd import xsd_datetime


@dataclass(frozen=True)
class ExportBatch:
    files: dict[str, bytes]
    manifest: dict[str, object]

    @property
    def manifest_bytes(self) -> bytes:
        return json.dumps(self.manifest, indent=2).encode("utf-8")


def registrar_credentials(
    session: Session,
    actor: Actor,
    institution_id: int,
    *,
    exchange_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
    person_id: int | None = None,
) -> list[CredentialRow]:
    require_registrar(session, actor, institution_id)
    return credentials_of(
        session,
        institution_id,
        exchange_id=exchange_id,
        since=since,
        until=until,
        status=status,
        person_id=person_id,
    )


def with_parts(session: Session, rows: list[CredentialRow]) -> list[CredentialRow]:
    """Each nano-degree row with its component credentials, for ELMO's hasPart."""
    result = []
    for row in rows:
        award = award_of_credential(session, row.credential.id)
        parts = tuple(award_components(session, award)) if award is not None else ()
        result.append(replace(row, parts=parts) if parts else row)
    return result


def export_batch(
    session: Session,
    actor: Actor,
    institution_id: int,
    since: datetime,
    until: datetime,
    ctx: IssuerContext,
) -> ExportBatch:
    """CSV of the period's credentials and an ELMO 1.7.0 transcript per learner, with a
    manifest signed by the institution's key."""
    rows = with_parts(
        session, registrar_credentials(session, actor, institution_id, since=since, until=until)
    )
    now = utcnow()
    files = {"credentials.csv": to_csv(rows), **to_elmo(rows, xsd_datetime(now))}
    key = active_key(session, institution_id, ctx)
    append(
        session,
        EventKind.EXPORTED,
        actor_id=actor.person_id,
        payload={
            "institution": institution_id,
            "rows": len(rows),
            "files": len(files),
            "from": xsd_datetime(since),
            "until": xsd_datetime(until),
        },
        now=now,
    )
    signed = manifest(
        files,
        rows=len(rows),
        period=(xsd_datetime(since), xsd_datetime(until)),
        ledger_head=head_hash(session),
        generated_at=xsd_datetime(now),
        signer=f"{ctx.issuer_did(institution_id)}#{key.kid}",
        key=keys.unseal(key.private_sealed, key.kid, ctx.secret),
    )
    session.commit()
    return ExportBatch(files, signed)
