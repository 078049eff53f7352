"""Benchmark: issue-and-sign, verify, and bulk-issue 1,000 micro-credentials in one process.

Two layers: the pure core (build, canonicalise, sign, verify), and the service with a real
migrated SQLite database (keys unsealed, status index allocated, ledger event chained, one
commit per credential; verification resolves the DID document and status list from the DB;
``bulk_issue`` for an exchange of 1,000 approved completions).

Prints progress lines, then ONE JSON line last:
``{"issued_per_s": ..., "verified_per_s": ..., "bulk_1000_seconds": ...}`` (the service
figures) with the pure core's as ``core_*``.
Run: ``.venv/bin/python bench/credentials.py --quick`` (``--profile`` adds a cProfile summary).
"""

import argparse
import cProfile
import dataclasses
import json
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from migrations.runner import upgrade
from plugin.actors import Actor, Role
from plugin.completion.models import Completion, CompletionStatus
from plugin.courses.models import Course, CourseMembership
from plugin.credentials import did_web, multikey, signing, status_list
from plugin.credentials.document import (
    Concept,
    CredentialFacts,
    LearningOutcome,
    Organisation,
    build_credential,
)
from plugin.credentials.fetch import CachingFetcher, FetchPolicy
from plugin.credentials.models import Credential
from plugin.credentials.open_verify import OPEN_CONTEXTS, verify_any
from plugin.credentials.resolve import DidResolver
from plugin.credentials.service import (
    IssuerContext,
    bulk_issue,
    issue_credential,
    verify_credential,
)
from plugin.db import make_engine, make_session_factory
from plugin.exchanges.models import Exchange, Seat, SeatStatus
from plugin.people.models import Institution, Person
from plugin.registrars.models import Registrar
from tests.open_signers import (
    ed25519_did_key,
    key_url,
    p256_did_key,
    rsa_did_document,
    sign_ecdsa_rdfc,
    sign_eddsa_jcs,
    sign_jwt,
)

DID = did_web.did_web("tandem.example", ("issuers", "uni-a"))
METHOD = f"{DID}#key-1"
LIST_URL = "https://tandem.example/status/1"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
BASE = CredentialFacts(
    credential_id="urn:uuid:00000000-0000-4000-8000-000000000000",
    achievement_id="https://tandem.example/exchanges/7/achievement",
    title="Virtual exchange: intercultural teamwork",
    description="Six weeks of project work in an international team.",
    awarding_body=Organisation(DID, "Universität A", "DE", "https://uni-a.example"),
    issued_at=NOW,
    learner_email="learner@uni-a.example",
    learner_salt="0123456789abcdef",
    learning_outcomes=(
        LearningOutcome(
            "Establish collaborative relations",
            "http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d",
        ),
        LearningOutcome("Reflect on intercultural differences"),
    ),
    ects=2,
    eqf_level=6,
    assessment=Concept("Portfolio", "https://tandem.example/vocab/assessment/portfolio"),
    quality_assurance=Concept("Internal QA", "https://uni-a.example/qa"),
    co_awarding=(Organisation("did:web:tandem.example:issuers:uni-b", "Universidad B", "ES"),),
    grade="A",
)


def _facts(number: int, index: int) -> CredentialFacts:
    return dataclasses.replace(
        BASE,
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        learner_email=f"learner{number}@uni-a.example",
        status=status_list.status_entry(LIST_URL, index),
    )


def issue(key: Ed25519PrivateKey, number: int, index: int) -> dict[str, Any]:
    """What the service will do per credential: build the document and sign it."""
    return signing.sign(build_credential(_facts(number, index)), key, METHOD, NOW)


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def run(count: int) -> dict[str, float]:
    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    issuer = did_web.did_document(DID, [("key-1", key.public_key())])
    rng = random.Random(1)
    issue(key, 0, 0)  # warm the context cache, as a running server would be

    started = time.perf_counter()
    signed = [issue(key, number, number) for number in range(count)]
    issued_per_s = _rate(count, time.perf_counter() - started)
    print(f"issued {count} in {count / issued_per_s:.2f}s")

    started = time.perf_counter()
    for credential in signed:
        signing.verify(credential, issuer)
    verified_per_s = _rate(count, time.perf_counter() - started)
    print(f"verified {count} in {count / verified_per_s:.2f}s")

    started = time.perf_counter()
    taken: set[int] = set()
    bits = status_list.new_list()
    for number in range(1000):
        index = status_list.allocate_index(taken, rng)
        taken.add(index)
        issue(key, number, index)
    unsigned_list = status_list.status_list_credential(LIST_URL, DID, bits, NOW)
    signing.sign(unsigned_list, key, METHOD, NOW)
    bulk = round(time.perf_counter() - started, 2)
    print(f"bulk-issued 1000 (with status indexes and the list) in {bulk}s")
    return {
        "issued_per_s": issued_per_s,
        "verified_per_s": verified_per_s,
        "bulk_1000_seconds": bulk,
    }


CTX = IssuerContext("https://tandem.example", "b" * 40)


def _exchange(db: Session, students: int) -> tuple[Actor, int, int, list[int]]:
    """An exchange whose ``students`` learners all have an approved completion."""
    home = Institution(name="Universiteit A", country="NL")
    db.add(home)
    db.flush()
    teacher = Person(institution_id=home.id, lms_name="Teacher", email="t@uni-a.example")
    course = Course(namespace="bench", external_id=f"c{students}", institution_id=home.id)
    db.add_all([teacher, course])
    db.flush()
    db.add(CourseMembership(course_id=course.id, person_id=teacher.id, role=Role.TEACHER))
    db.add(Registrar(person_id=teacher.id, institution_id=home.id))
    exchange = Exchange(
        title="Bench", starts_on=date(2026, 2, 2), ends_on=date(2026, 4, 30), owner_id=teacher.id
    )
    db.add(exchange)
    db.flush()
    db.add(
        Seat(
            exchange_id=exchange.id,
            course_id=course.id,
            status=SeatStatus.APPROVED,
            is_owner=True,
            requested_by_id=teacher.id,
        )
    )
    learners = [
        Person(institution_id=home.id, lms_name=f"L{n}", email=f"l{n}@uni-a.example")
        for n in range(students)
    ]
    db.add_all(learners)
    db.flush()
    completions = [
        Completion(
            exchange_id=exchange.id,
            person_id=p.id,
            status=CompletionStatus.APPROVED,
            approved_by_id=teacher.id,
        )
        for p in learners
    ]
    db.add_all(completions)
    db.commit()
    actor = Actor(teacher.id, Role.TEACHER, course.id)
    return actor, exchange.id, home.id, [c.id for c in completions]


def run_db(count: int) -> dict[str, float]:
    """The service on a migrated SQLite file: what a registrar's click costs."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as db:
            actor, _, _, completion_ids = _exchange(db, count + 1)
            issue_credential(db, actor, completion_ids[0], CTX)  # first key and list: warm-up
            started = time.perf_counter()
            ids = [issue_credential(db, actor, cid, CTX).id for cid in completion_ids[1:]]
            issued_per_s = _rate(count, time.perf_counter() - started)
            print(f"db: issued {count} through the service in {count / issued_per_s:.2f}s")
            documents = [
                db.scalars(select(Credential.document).where(Credential.id == i)).one() for i in ids
            ]
            started = time.perf_counter()
            for document in documents:
                assert verify_credential(db, document, CTX).valid
            verified_per_s = _rate(count, time.perf_counter() - started)
            print(
                f"db: verified {count} (DID and status list from the DB) in "
                f"{count / verified_per_s:.2f}s"
            )
            actor, exchange_id, institution_id, _ = _exchange(db, 1000)
            started = time.perf_counter()
            issued = bulk_issue(db, actor, exchange_id, institution_id, CTX)
            bulk = round(time.perf_counter() - started, 2)
            print(f"db: bulk_issue of {len(issued)} for one exchange in {bulk}s")
        engine.dispose()
    return {
        "issued_per_s": issued_per_s,
        "verified_per_s": verified_per_s,
        "bulk_1000_seconds": bulk,
    }


def _served(body: bytes) -> requests.Response:
    """A canned HTTPS answer, so the mixed run measures verification, not the network."""
    response = requests.Response()
    response.status_code = 200
    response._content = body
    response._content_consumed = True  # type: ignore[attr-defined]
    return response


def mixed_credentials(count: int) -> tuple[list[Any], DidResolver, dict[str, int]]:
    """``count`` partner credentials, a quarter per proof format, both DID methods:
    eddsa-rdfc-2022 (did:web), eddsa-jcs-2022 (did:key Ed25519), ecdsa-rdfc-2019 (did:key
    P-256) and VC-JWT (EdDSA did:key, ES256 did:key, RS256 did:web)."""
    web_did = "did:web:partner.example:issuers:bench"
    ed_web = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    web_doc = rsa_did_document(web_did, rsa_key)
    web_doc["verificationMethod"].append(
        {
            "id": f"{web_did}#ed",
            "type": "Multikey",
            "controller": web_did,
            "publicKeyMultibase": multikey.public_key_to_multikey(ed_web.public_key()),
        }
    )
    web_doc["assertionMethod"].append(f"{web_did}#ed")
    ed_key = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    ed_did = ed25519_did_key(ed_key)
    p256 = ec.derive_private_key(12345, ec.SECP256R1())
    p256_did = p256_did_key(p256)

    def unsigned(number: int, issuer: str) -> dict[str, Any]:
        document = build_credential(dataclasses.replace(_facts(number, number), status=None))
        document["issuer"] = {**document["issuer"], "id": issuer}
        return document

    makers: dict[str, Callable[[int], Any]] = {
        "eddsa-rdfc-2022 did:web": lambda n: signing.sign(
            unsigned(n, web_did), ed_web, f"{web_did}#ed", NOW, allowed_contexts=OPEN_CONTEXTS
        ),
        "eddsa-jcs-2022 did:key": lambda n: sign_eddsa_jcs(
            unsigned(n, ed_did), ed_key, key_url(ed_did)
        ),
        "ecdsa-rdfc-2019 did:key": lambda n: sign_ecdsa_rdfc(
            unsigned(n, p256_did), p256, key_url(p256_did)
        ),
        "VC-JWT EdDSA did:key": lambda n: sign_jwt(
            unsigned(n, ed_did), ed_key, "EdDSA", key_url(ed_did)
        ),
        "VC-JWT ES256 did:key": lambda n: sign_jwt(
            unsigned(n, p256_did), p256, "ES256", key_url(p256_did)
        ),
        "VC-JWT RS256 did:web": lambda n: sign_jwt(
            unsigned(n, web_did), rsa_key, "RS256", f"{web_did}#k1"
        ),
    }
    # A quarter each of the four formats; the VC-JWTs cycle through their three algorithms.
    data_integrity = [k for k in makers if not k.startswith("VC-JWT")]
    jwts = [k for k in makers if k.startswith("VC-JWT")]
    cycle = [kind for round_ in range(3) for kind in (*data_integrity, jwts[round_])]
    credentials = [makers[cycle[n % len(cycle)]](n) for n in range(count)]
    body = json.dumps(web_doc).encode()
    fetches = {"did_web": 0}

    def get(url: str, _policy: FetchPolicy) -> requests.Response:
        fetches["did_web"] += 1
        return _served(body)

    policy = FetchPolicy(allowed_hosts=frozenset({"partner.example"}))
    resolver = DidResolver(fetch=CachingFetcher(policy, get=get))
    return credentials, resolver, fetches


def run_mixed(count: int) -> dict[str, float]:
    """Open verification of a mix of formats and DID methods, resolution cached."""
    credentials, resolver, fetches = mixed_credentials(count)
    trusted = {"did:web:partner.example:issuers:bench"}.__contains__
    now = datetime(2025, 6, 1, tzinfo=UTC)
    verify_any(credentials[0], resolver=resolver, now=now, trusted=trusted)  # warm the caches
    wall, cpu = time.perf_counter(), time.process_time()
    verdicts = [
        verify_any(c, resolver=resolver, now=now, trusted=trusted).verdict for c in credentials
    ]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    bad = [v for v in verdicts if v not in ("valid", "valid_unknown_issuer")]
    if bad:
        raise SystemExit(f"mixed verification failed: {bad[:3]}")
    print(f"mixed: {count} verified in {wall:.2f} s wall, {cpu:.2f} s CPU", file=sys.stderr)
    return {
        "verified_mixed_per_s": _rate(count, wall),
        "verified_mixed_per_cpu_s": _rate(count, cpu),
        "mixed_did_web_fetches": fetches["did_web"],
    }


def run_all(count: int) -> dict[str, float]:
    core = run(count)
    service = run_db(count)
    mixed = run_mixed(count)
    return {**service, **mixed, **{f"core_{k}": v for k, v in core.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 instead of 1000 for the rates")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument(
        "--mixed-only", action="store_true", help="only the open verifier's mixed-format run"
    )
    args = parser.parse_args()
    run_all_or_mixed = run_mixed if args.mixed_only else run_all
    count = 200 if args.quick else 1000
    if args.profile:
        profiler = cProfile.Profile()
        result = profiler.runcall(run_all_or_mixed, count)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    else:
        result = run_all_or_mixed(count)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
