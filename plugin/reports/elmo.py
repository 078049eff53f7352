"""ELMO 1.7.0 (EMREX / Erasmus Without Paper) transcripts of a registrar's credentials.

An ELMO document is about one learner, so a batch holds one file per learner: a report from
the awarding institution with one learning opportunity per valid credential. Revoked
credentials are left out (a transcript lists achievements that stand; the CSV beside it
carries revocations). The signed credential itself rides along as a "Micro Credential"
attachment, so a receiving system can verify the claim without trusting the XML.

ELMO has no field for most Annex I elements; those are labelled lines in the learning
opportunity's description, read back from the signed document exactly as the CSV reads them.

Every file is validated against the published XSD before it leaves (fail closed). The XSD and
its imports are bundled in ``elmo/`` and resolved locally: nothing is fetched.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from itertools import groupby
from typing import Any

from lxml import etree

from plugin.credentials.did_web import did_web_document_url
from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.reports.export import annex_row
from plugin.reports.queries import CredentialRow

NAMESPACE = "https://github.com/emrex-eu/elmo-schemas/tree/v1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ESI_TYPE = "esi"
#: Where the schemas import each other from, and the bundled copy of each.
_IMPORTS = {
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "https://raw.githubusercontent.com/emrex-eu/elmo-schemas/v1/references/"
    "xmldsig-core-schema.xsd": "xmldsig-core-schema.xsd",
    "https://raw.githubusercontent.com/emrex-eu/elmo-schemas/v1/references/"
    "EUROPASS_ISOCountries_V1.1.xsd": "EUROPASS_ISOCountries_V1.1.xsd",
    "https://raw.githubusercontent.com/erasmus-without-paper/ewp-specs-types-address/"
    "stable-v1/schema.xsd": "ewp-address.xsd",
    "https://raw.githubusercontent.com/erasmus-without-paper/ewp-specs-architecture/"
    "stable-v1/common-types.xsd": "ewp-common-types.xsd",
}
#: Annex I elements without an ELMO field: (label, CSV column).
_DESCRIBED = (
    ("Learning outcomes", "learning_outcomes"),
    ("ESCO skills", "esco_skills"),
    ("Type of assessment", "assessment_type"),
    ("Form of participation", "participation"),
    ("Quality assurance", "quality_assurance"),
    ("Identity verification", "identity_verification"),
    ("Co-awarding bodies", "co_awarding_bodies"),
    ("Learner identifier (salted SHA-256 of the email)", "learner_identifier"),
    ("Credential SHA-256 (RFC 8785)", "credential_sha256"),
)


class _BundledSchemas(etree.Resolver):  # type: ignore[misc]
    """Answer the schemas' imports from the bundled files; refuse anything else."""

    def resolve(self, url: str, pubid: str | None, context: Any) -> Any:
        name = _IMPORTS.get(url)
        return None if name is None else self.resolve_string(_schema_file(name), context)


def _schema_file(name: str) -> bytes:
    return resources.files(__package__).joinpath("elmo", name).read_bytes()


@cache
def schema() -> Any:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_BundledSchemas())
    return etree.XMLSchema(etree.fromstring(_schema_file("schema.xsd"), parser))


def problems(data: bytes) -> list[str]:
    """Why ``data`` is not valid ELMO 1.7.0 (empty when it is)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        document = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return [str(error)]
    checker = schema()
    return [] if checker.validate(document) else [str(e) for e in checker.error_log]


def validate(data: bytes) -> None:
    if problems(data):
        raise InvalidInput(N_("The ELMO export is not valid against the ELMO 1.7.0 schema."))


def _add(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    for name, value in attributes.items():
        element.set(XML_LANG if name == "lang" else name, value)
    if text is not None:
        element.text = text
    return element


def _decimal(value: str) -> str | None:
    try:
        return format(float(value), "g") if value else None
    except ValueError:
        return None


def _description(annex: dict[str, str]) -> str:
    lines = [f"{label}: {annex[column]}" for label, column in _DESCRIBED if annex[column]]
    return "\n".join(lines)


def _learning_opportunity(report: Any, row: CredentialRow) -> None:
    annex = annex_row(row)
    los = _add(report, "learningOpportunitySpecification")
    _add(los, "identifier", row.credential.id, type="local")
    _add(los, "title", annex["title"], lang="en")
    _add(los, "type", "Module" if row.parts else "Course")
    _add(los, "url", annex["verify_url"])
    _add(los, "description", _description(annex), lang="en")
    instance = _add(_add(los, "specifies"), "learningOpportunityInstance")
    _add(instance, "identifier", row.credential.id, type="local")
    if row.starts_on is not None:
        _add(instance, "start", row.starts_on.isoformat())
    _add(instance, "date", annex["date_of_issuing"][:10])
    _add(instance, "status", "passed")
    if annex["grade"]:
        _add(instance, "resultLabel", annex["grade"])
    ects = _decimal(annex["ects"])
    if ects is not None:
        credit = _add(instance, "credit")
        _add(credit, "scheme", "ects")
        _add(credit, "value", ects)
    for eqf in filter(None, annex["eqf_level"].split("; ")):
        level = _add(instance, "level")
        _add(level, "type", "EQF")
        _add(level, "description", "European Qualifications Framework")
        _add(level, "value", eqf)
    _add(_add(instance, "attachments"), "ref", row.credential.id)
    for part in row.parts:
        _part(los, part)


def _part(parent: Any, document: Mapping[str, Any]) -> None:
    """A nano-degree's component as a child learning opportunity (``hasPart``), read from its
    signed credential (Tandem's or a partner's): title, link, date, ECTS."""
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    achievement = achievement if isinstance(achievement, Mapping) else {}
    los = _add(_add(parent, "hasPart"), "learningOpportunitySpecification")
    url = document.get("id")
    if isinstance(url, str):
        _add(los, "identifier", url, type="url")
    _add(los, "title", str(document.get("name") or achievement.get("name") or ""), lang="en")
    _add(los, "type", "Course")
    issuer = document.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, Mapping) else issuer
    if issuer_name:
        _add(los, "description", f"Issued by {issuer_name}.", lang="en")
    instance = _add(_add(los, "specifies"), "learningOpportunityInstance")
    issued = document.get("validFrom") or document.get("issuanceDate")
    if isinstance(issued, str) and len(issued) >= 10:
        _add(instance, "date", issued[:10])
    _add(instance, "status", "passed")
    ects = _decimal(str(achievement.get("creditsAvailable", "")))
    if ects is not None:
        credit = _add(instance, "credit")
        _add(credit, "scheme", "ects")
        _add(credit, "value", ects)


def _signed(row: CredentialRow) -> dict[str, Any]:
    """The signed document; ``to_elmo`` leaves out credentials whose holder was erased."""
    if row.credential.document is None:
        raise InvalidInput(N_("The holder of this credential was erased."))
    return row.credential.document


def _attachment(report: Any, row: CredentialRow) -> None:
    attachment = _add(report, "attachment")
    _add(attachment, "identifier", row.credential.id, type="internal")
    _add(attachment, "title", _signed(row).get("name", ""), lang="en")
    _add(attachment, "type", "Micro Credential")
    _add(attachment, "description", "Open Badges 3.0 credential, signed (eddsa-rdfc-2022).")
    payload = json.dumps(_signed(row), ensure_ascii=False).encode("utf-8")
    encoded = base64.b64encode(payload).decode("ascii")
    _add(attachment, "content", f"data:application/ld+json;base64,{encoded}")


def learner_document(rows: Sequence[CredentialRow], generated_at: str) -> bytes:
    """One learner's ELMO file; every row is a valid credential of that learner."""
    first = rows[0]
    root = etree.Element(f"{{{NAMESPACE}}}elmo", nsmap={None: NAMESPACE})
    _add(root, "generatedDate", generated_at)
    learner = _add(root, "learner")
    esi = annex_row(first)["learner_esi"]
    if esi:
        _add(learner, "identifier", esi, type=ESI_TYPE)
    _add(learner, "givenNames", first.given_names)
    _add(learner, "familyName", first.family_name)
    issuer_doc = _signed(first)["issuer"]
    report = _add(root, "report")
    issuer = _add(report, "issuer")
    _add(issuer, "country", str(issuer_doc["address"]["addressCountryCode"]))
    _add(issuer, "identifier", str(issuer_doc["id"]), type="did")
    _add(issuer, "title", str(issuer_doc["name"]), lang="en")
    _add(issuer, "url", did_web_document_url(str(issuer_doc["id"])))
    for row in rows:
        _learning_opportunity(report, row)
    _add(report, "issueDate", generated_at)
    for row in rows:
        _attachment(report, row)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(data)
    return data


def _learner_key(row: CredentialRow) -> str:
    person_id = row.credential.person_id
    return f"learner-{person_id}" if person_id is not None else f"credential-{row.credential.id}"


def to_elmo(rows: Iterable[CredentialRow], generated_at: str) -> dict[str, bytes]:
    """``elmo/<learner>.xml`` for every learner with at least one valid credential. An erased
    holder has no transcript: ELMO is about a learner, and nothing is left to name them."""
    valid = sorted(
        (r for r in rows if r.credential.revoked_at is None and r.credential.document is not None),
        key=_learner_key,
    )
    return {
        f"elmo/{key}.xml": learner_document(list(group), generated_at)
        for key, group in groupby(valid, key=_learner_key)
    }
