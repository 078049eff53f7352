"""Seeded synthetic exchange pools for the bench, the exact ground truth and the tests.

The shape follows a real exchange: a few partner universities in a few time zones, students
free on most weekdays in local daytime (so cross-zone overlap exists but is scarce), English
as the working language at mixed levels, and a handful of mutual teammate requests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from plugin.matching.candidates import Candidate


@dataclass(frozen=True)
class Partner:
    """A partner university: its name, country and UTC offset in hours."""

    name: str
    country: str
    utc_offset: int


PARTNERS: tuple[Partner, ...] = (
    Partner("Columbia", "US", -5),
    Partner("Lisboa", "PT", 0),
    Partner("Leiden", "NL", 1),
    Partner("Freiburg", "DE", 1),
    Partner("Bogazici", "TR", 3),
)
DISCIPLINES = ("law", "history", "biology", "economics", "computing", "arts")
_LEVELS = ("B1", "B2", "B2", "C1", "C1", "C2", "native")


def _availability(rng: random.Random, offset: int) -> tuple[tuple[int, int], ...]:
    days = sorted(rng.sample(range(7), rng.randint(4, 6)))
    out = []
    for day in days:
        start_h, end_h = rng.randint(8, 12), rng.randint(17, 22)
        start = (day * 24 + start_h - offset) * 60 % (7 * 24 * 60)
        end = start + (end_h - start_h) * 60
        if end <= 7 * 24 * 60:
            out.append((start, end))
        else:
            out.extend([(start, 7 * 24 * 60), (0, end - 7 * 24 * 60)])
    return tuple(sorted(out))


def make_pool(n: int, seed: int, partners: tuple[Partner, ...] = PARTNERS) -> list[Candidate]:
    """A pool of `n` students spread evenly-ish over the partners, reproducible by seed."""
    rng = random.Random(seed)
    pool: list[Candidate] = []
    for k in range(n):
        partner = partners[k % len(partners)] if k < len(partners) else rng.choice(partners)
        second = rng.choice(("es", "fr", "de", "tr"))
        gender = rng.choices(("f", "m", "x"), weights=(50, 45, 5))[0]
        pool.append(
            Candidate(
                id=f"s{k:05d}",
                institution=partner.name,
                country=partner.country,
                time_zone=f"UTC{partner.utc_offset:+d}",
                availability=_availability(rng, partner.utc_offset),
                languages=(("en", rng.choice(_LEVELS)), (second, rng.choice(_LEVELS[:4]))),
                discipline=rng.choice(DISCIPLINES),
                attributes=(("gender", gender),),
            )
        )
    pairs = max(1, n // 50)
    for _ in range(pairs):
        a, b = rng.sample(range(n), 2)
        pool[a] = _with_request(pool[a], pool[b].id)
        pool[b] = _with_request(pool[b], pool[a].id)
    return pool


def _with_request(c: Candidate, other: str) -> Candidate:
    return Candidate(
        id=c.id,
        institution=c.institution,
        country=c.country,
        time_zone=c.time_zone,
        availability=c.availability,
        languages=c.languages,
        discipline=c.discipline,
        attributes=c.attributes,
        requests=(*c.requests, other),
    )
