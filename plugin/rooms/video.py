"""Jitsi meeting names and addresses for a team. Pure: the secret and base URL come in.

The room name is an HMAC of the team id under a server secret, so nobody can guess another
team's call from its number, and the same team always gets the same room.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

DEFAULT_JITSI_URL = "https://meet.jit.si"


def jitsi_room_name(secret: str, team_id: int) -> str:
    digest = hmac.new(secret.encode(), f"tandem-team:{team_id}".encode(), hashlib.sha256)
    return f"Tandem{digest.hexdigest()[:32]}"


def jitsi_url(base_url: str, secret: str, team_id: int, display_name: str | None = None) -> str:
    """The call's address; the display name goes in the fragment, which never reaches a server
    log."""
    url = f"{base_url.rstrip('/')}/{jitsi_room_name(secret, team_id)}"
    if display_name:
        url += "#userInfo.displayName=" + quote(f'"{display_name}"')
    return url
