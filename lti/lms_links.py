"""Where an LMS shows Tandem's activity, so links in emails lead back through the LMS.

An email link to a Tandem page works only while the person still has Tandem's session; the
LMS's own page signs them in to the LMS and launches Tandem in the right course. LTI 1.3 has
no claim for "the page this link sits on", so this reads what each LMS does send:

- ``launch_presentation.return_url``: Moodle's carries the launching user's ``sesskey`` (a
  one-session token, mod/lti/locallib.php), so it must never go into an email; Brightspace's
  is optional. Not used.
- ``target_link_uri``: Tandem's own launch URL, not the LMS's. Not used.
- Moodle: the issuer is the site's wwwroot and ``resource_link.id`` is the mod_lti instance
  id (lti_build_standard_message), so ``{iss}/mod/lti/view.php?l={id}`` opens the activity.
- Brightspace: the issuer is the LMS's host URL and ``context.id`` is the course offering's
  org unit id, so ``{iss}/d2l/home/{id}`` opens the course home (the claims carry no content
  topic id, so the course is as close as it gets).
- Anything else: unknown, and emails fall back to Tandem's URL.

Pure: no I/O.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from lti.claims import LaunchClaims

MOODLE = "moodle"
BRIGHTSPACE = "desire2learn"


def _site(issuer: str) -> str | None:
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    return issuer.rstrip("/")


def activity_url(claims: LaunchClaims) -> str | None:
    """The LMS page that launches this course's Tandem activity, if the claims tell it."""
    site = _site(claims.issuer)
    if site is None:
        return None
    family = (claims.platform_family or "").lower()
    if family == MOODLE and claims.resource_link_id and claims.resource_link_id.isdigit():
        return f"{site}/mod/lti/view.php?l={claims.resource_link_id}"
    if family == BRIGHTSPACE and claims.context is not None and claims.context.id.isdigit():
        return f"{site}/d2l/home/{quote(claims.context.id, safe='')}"
    return None
