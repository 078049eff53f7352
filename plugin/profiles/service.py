"""A participant's profile: onboarding, editing, and what teammates elsewhere may see of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.db import get_or_create, utcnow
from plugin.errors import FieldErrors, InvalidInput
from plugin.i18n import N_
from plugin.people.models import Person
from plugin.people.service import get_person
from plugin.profiles import availability
from plugin.profiles.languages import check_language_levels
from plugin.profiles.models import Profile

MAX_DISPLAY_NAME = 80
MAX_PRONOUNS = 40
MAX_DISCIPLINE = 120
MAX_INTEREST = 40
MAX_INTERESTS = 8
# What a person may choose to show teammates from other universities. Display name and home
# institution are always shown: a team cannot work without knowing who is who.
# Without "time_zone" a partner sees neither the zone nor the local time; suggested meeting
# times still use the overlap of those who share availability.
SHAREABLE = ("pronouns", "languages", "discipline", "interests", "availability", "time_zone")


@dataclass(frozen=True)
class ProfileDraft:
    """The onboarding form, in the person's own local time."""

    display_name: str = ""
    pronouns: str = ""
    time_zone: str = ""
    slots: frozenset[availability.LocalSlot] = frozenset()
    languages: tuple[tuple[str, str], ...] = ()
    discipline: str = ""
    interests: tuple[str, ...] = ()
    consents: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TeammateCard:
    """All a teammate from another institution can ever see. No email, no student number."""

    display_name: str | None
    institution: str
    pronouns: str | None
    languages: tuple[tuple[str, str], ...]
    overlap_minutes: int | None


def _short(value: str, limit: int, message: str) -> str:
    clean = " ".join(value.split())
    if len(clean) > limit:
        raise InvalidInput(message)
    return clean


def _check_interests(interests: tuple[str, ...]) -> list[str]:
    clean = [i for i in (" ".join(x.split()) for x in interests) if i]
    if len(clean) > MAX_INTERESTS:
        raise InvalidInput(N_("Choose at most eight interests."))
    if any(len(i) > MAX_INTEREST for i in clean):
        raise InvalidInput(N_("Each interest can be at most 40 characters."))
    return list(dict.fromkeys(clean))


def find_profile(session: Session, person_id: int) -> Profile | None:
    return session.scalar(_profile_of(), {"person_id": person_id})


@cache
def _profile_of() -> Select[Profile]:
    """Built once: every page asks (the viewer's time zone)."""
    return select(Profile).where(Profile.person_id == bindparam("person_id"))


MAX_VIDEO_NAME = 80


def video_name(session: Session, person_id: int, fallback: str) -> str:
    """The name the person chose to show in video calls, else ``fallback`` (their display
    name). An empty choice is allowed: the call then shows no name at all."""
    profile = find_profile(session, person_id)
    if profile is None or profile.video_name is None:
        return fallback
    return profile.video_name


def set_video_name(session: Session, actor: Actor, name: str) -> str:
    """Choose the name a video service receives (the public meet.jit.si is outside the
    university). Stored on the profile, which erasure removes."""
    clean = _short(name, MAX_VIDEO_NAME, N_("A name for calls can be at most 80 characters."))
    profile = find_profile(session, actor.person_id)
    if profile is None:
        profile = Profile(person_id=actor.person_id)
        session.add(profile)
    profile.video_name = clean
    session.commit()
    return clean


def profile_form(session: Session, actor: Actor, week: date) -> ProfileDraft:
    """The form as the person last left it, in their zone; the LMS name fills an empty name."""
    person = get_person(session, actor.person_id)
    profile = find_profile(session, actor.person_id)
    name = person.display_name or ""
    if profile is None:
        return ProfileDraft(display_name=name)
    zone = profile.time_zone or ""
    intervals = [(s, e) for s, e in profile.availability]
    return ProfileDraft(
        display_name=name,
        pronouns=profile.pronouns or "",
        time_zone=zone,
        slots=availability.utc_to_local(intervals, zone, week) if zone else frozenset(),
        languages=tuple((lang["code"], lang["level"]) for lang in profile.languages),
        discipline=profile.discipline or "",
        interests=tuple(profile.interests),
        consents=frozenset(k for k, v in profile.consents.items() if v),
    )


def save_profile(session: Session, actor: Actor, draft: ProfileDraft, week: date) -> Profile:
    """Check everything first, then write: a refused form changes nothing already saved.

    ``week`` is the Monday whose clock offsets turn the local grid into UTC intervals.
    """
    # Every field is checked, so a form with three mistakes shows all three at once.
    errors = FieldErrors()
    name = pronouns = discipline = ""
    zone = ""
    intervals: list[availability.Interval] = []
    languages: list[dict[str, str]] = []
    interests: list[str] = []
    with errors.field("display_name"):
        name = _short(
            draft.display_name, MAX_DISPLAY_NAME, N_("Your name can be at most 80 characters.")
        )
    with errors.field("pronouns"):
        pronouns = _short(
            draft.pronouns, MAX_PRONOUNS, N_("Pronouns can be at most 40 characters.")
        )
    with errors.field("time_zone"):
        zone = availability.check_time_zone(draft.time_zone)
    with errors.field("slot"):
        if zone:
            intervals = availability.local_to_utc(draft.slots, zone, week)
        if not intervals and (zone or not draft.slots):
            raise InvalidInput(N_("Tick at least one time when you can meet."))
    with errors.field("lang-0"):
        languages = check_language_levels(list(draft.languages))
    with errors.field("discipline"):
        discipline = _short(
            draft.discipline, MAX_DISCIPLINE, N_("Your discipline can be at most 120 characters.")
        )
    with errors.field("interests"):
        interests = _check_interests(draft.interests)
    if draft.consents - set(SHAREABLE):
        errors.add("share", N_("Unknown field in the sharing choices."))
    errors.raise_if_any()

    person = get_person(session, actor.person_id)
    # An empty name falls back to what the LMS sends (which may be nothing: anonymous mode).
    person.chosen_name = name or None
    profile, _created = get_or_create(
        session,
        Profile,
        {"person_id": actor.person_id},
        lambda: Profile(person_id=actor.person_id),
    )
    profile.pronouns = pronouns or None
    profile.time_zone = zone
    profile.availability = [[s, e] for s, e in intervals]
    profile.languages = languages
    profile.discipline = discipline or None
    profile.interests = interests
    profile.consents = {key: key in draft.consents for key in SHAREABLE}
    profile.completed_at = profile.completed_at or utcnow()
    session.commit()
    return profile


def shares_with(person: Person, profile: Profile | None, field: str, viewer: Person | None) -> bool:
    """May ``viewer`` see ``field`` of ``person``? The person themselves and people of their
    own university always may; anyone else (a partner teammate or teacher) only with consent."""
    if profile is None:
        return False
    if viewer is not None and (
        viewer.id == person.id or viewer.institution_id == person.institution_id
    ):
        return True
    return bool(profile.consents.get(field))


def teammate_card(person: Person, profile: Profile | None, viewer: Profile | None) -> TeammateCard:
    """What ``viewer`` sees of ``person`` as a teammate: only the fields the person consented to.

    A plain function over loaded rows so rooms and teams pages build cards the same way.
    """
    consents = profile.consents if profile is not None else {}
    overlap = None
    if profile is not None and viewer is not None and consents.get("availability"):
        mine = [(s, e) for s, e in viewer.availability]
        theirs = [(s, e) for s, e in profile.availability]
        overlap = availability.overlap_minutes(mine, theirs)
    return TeammateCard(
        display_name=person.display_name,
        institution=person.institution.name,
        pronouns=profile.pronouns if profile is not None and consents.get("pronouns") else None,
        languages=tuple((lang["code"], lang["level"]) for lang in profile.languages)
        if profile is not None and consents.get("languages")
        else (),
        overlap_minutes=overlap,
    )
