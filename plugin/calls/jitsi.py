"""Team video calls on Jitsi: secret room names, three providers, and their join tokens. Pure:
the secrets, keys and the clock come in.

The room name is an HMAC of the team id under a server secret, so nobody can guess another
team's call from its number, and the same team always gets the same room.

Providers:

- ``jitsi``: a self-hosted Jitsi with token authentication (prosody ``token`` auth). The join
  link carries an HS256 JWT signed with the deployment's app secret; ``room`` pins the token to
  this team's call, so a link shared elsewhere opens nothing else.
- ``jaas``: 8x8 Jitsi as a Service. RS256 with the private key downloaded from the JaaS console;
  the header's ``kid`` is ``AppID/keyid`` and ``sub`` is the AppID (the tenant).
- ``public``: meet.jit.si, no token. Embedded calls there are cut off after a few minutes, so
  the call only opens in a new tab.

Who moderates a call is the room's decision (``RoomAccess.can_moderate``: the exchange's
teachers); members are not moderators.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import quote, urlsplit

from jwcrypto import jwk, jwt

from plugin.i18n import N_, Text

DEFAULT_JITSI_URL = "https://meet.jit.si"
JAAS_URL = "https://8x8.vc"
TOKEN_LIFETIME = timedelta(hours=4)  # long enough for a team meeting, short for a leaked link


class VideoProvider(StrEnum):
    JITSI = "jitsi"  # self-hosted, token auth
    JAAS = "jaas"  # 8x8 Jitsi as a Service
    PUBLIC = "public"  # meet.jit.si, new tab only


@dataclass(frozen=True)
class VideoSettings:
    """How calls are made; built from ``TANDEM_VIDEO_*``/``TANDEM_JITSI_*``/``TANDEM_JAAS_*``."""

    provider: VideoProvider = VideoProvider.PUBLIC
    base_url: str = DEFAULT_JITSI_URL
    app_id: str | None = None  # jitsi: token app id (iss/aud); jaas: the AppID (vpaas-magic-...)
    app_secret: str | None = None  # jitsi: HS256 shared secret
    key_id: str | None = None  # jaas: the API key's id (the part after "AppID/")
    private_key_pem: str | None = None  # jaas: RS256 private key (PEM)

    def problems(self) -> list[Text]:
        """What is missing for this provider, in words a deployer can act on."""
        found = []
        if self.provider is VideoProvider.JITSI:
            if not self.app_id:
                found.append(N_("set TANDEM_JITSI_APP_ID (the app id of Jitsi's token auth)"))
            if not self.app_secret or len(self.app_secret) < 32:
                found.append(N_("set TANDEM_JITSI_APP_SECRET to at least 32 characters"))
        if self.provider is VideoProvider.JAAS:
            if not self.app_id:
                found.append(N_("set TANDEM_JAAS_APP_ID (vpaas-magic-cookie-...)"))
            if not self.key_id:
                found.append(N_("set TANDEM_JAAS_KEY_ID (the API key id from the JaaS console)"))
            if not self.private_key_pem:
                found.append(N_("set TANDEM_JAAS_PRIVATE_KEY_FILE to the API key's PEM file"))
        return found


@dataclass(frozen=True)
class CallUser:
    """Who joins. ``id`` is Tandem's person id (never an email or student number)."""

    id: int
    name: str
    moderator: bool


@dataclass(frozen=True)
class VideoCall:
    """What the room page needs: the tab link, and for embeddable providers the IFrame API's
    ``domain``/``room_name``/``jwt``."""

    provider: VideoProvider
    url: str  # open in a new tab (token included where the provider needs one)
    embed: bool
    domain: str
    room_name: str  # as the IFrame API wants it (JaaS: "AppID/room")
    jwt: str | None
    origin: str  # scheme://host of the call, which the page's CSP must let it frame
    api_script: str | None = None  # the provider's IFrame API (external_api.js)


def jitsi_room_name(secret: str, team_id: int) -> str:
    digest = hmac.new(secret.encode(), f"tandem-team:{team_id}".encode(), hashlib.sha256)
    return f"Tandem{digest.hexdigest()[:32]}"


def _fragment(display_name: str | None) -> str:
    """The display name goes in the fragment, which never reaches a server log."""
    return "#userInfo.displayName=" + quote(f'"{display_name}"') if display_name else ""


def jitsi_url(base_url: str, secret: str, team_id: int, display_name: str | None = None) -> str:
    """The public (token-less) call's address."""
    return f"{base_url.rstrip('/')}/{jitsi_room_name(secret, team_id)}" + _fragment(display_name)


def _required(value: str | None, what: str) -> str:
    """``Settings.check`` refuses a provider without its secrets; this guards direct callers."""
    if not value:
        raise ValueError(f"The video provider needs {what}.")
    return value


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _times(now: datetime) -> dict[str, int]:
    start = int(now.timestamp())
    return {"iat": start, "nbf": start - 10, "exp": start + int(TOKEN_LIFETIME.total_seconds())}


def _sign(header: dict[str, str], claims: dict[str, object], key: jwk.JWK) -> str:
    token = jwt.JWT(header=header, claims=json.dumps(claims))
    token.make_signed_token(key)
    signed: str = token.serialize()
    return signed


def jitsi_token(settings: VideoSettings, room: str, user: CallUser, now: datetime) -> str:
    """HS256 token for a self-hosted Jitsi (``sub`` is the Jitsi host, as prosody checks)."""
    app_id = _required(settings.app_id, "app_id")
    secret = _required(settings.app_secret, "app_secret")
    claims: dict[str, object] = {
        "aud": app_id,
        "iss": app_id,
        "sub": urlsplit(settings.base_url).hostname or "*",
        "room": room,
        "moderator": user.moderator,
        "context": {
            "user": {"id": str(user.id), "name": user.name, "moderator": user.moderator},
        },
        **_times(now),
    }
    key = jwk.JWK(kty="oct", k=jwk.base64url_encode(secret.encode()))
    return _sign({"alg": "HS256", "typ": "JWT"}, claims, key)


def jaas_token(settings: VideoSettings, room: str, user: CallUser, now: datetime) -> str:
    """RS256 token for 8x8 JaaS: ``kid`` AppID/keyid, ``aud`` jitsi, ``iss`` chat, ``sub``
    AppID; JaaS reads the moderator flag as the string "true"/"false" in context.user."""
    app_id = _required(settings.app_id, "app_id")
    kid = f"{app_id}/{_required(settings.key_id, 'key_id')}"
    pem = _required(settings.private_key_pem, "private_key_pem")
    claims: dict[str, object] = {
        "aud": "jitsi",
        "iss": "chat",
        "sub": app_id,
        "room": room,
        "context": {
            "user": {
                "id": str(user.id),
                "name": user.name,
                "moderator": "true" if user.moderator else "false",
            },
            "features": {"livestreaming": False, "recording": False, "transcription": False},
        },
        **_times(now),
    }
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    return _sign(header, claims, jwk.JWK.from_pem(pem.encode()))


def video_call(
    settings: VideoSettings, secret: str, team_id: int, user: CallUser, now: datetime
) -> VideoCall:
    """The team's call as seen by ``user``."""
    room = jitsi_room_name(secret, team_id)
    if settings.provider is VideoProvider.PUBLIC:
        return VideoCall(
            provider=settings.provider,
            url=jitsi_url(settings.base_url, secret, team_id, user.name),
            embed=False,
            domain=urlsplit(settings.base_url).netloc,
            room_name=room,
            jwt=None,
            origin=_origin(settings.base_url),
        )
    if settings.provider is VideoProvider.JAAS:
        token = jaas_token(settings, room, user, now)
        base = f"{JAAS_URL}/{settings.app_id}/{room}"
        return VideoCall(
            provider=settings.provider,
            url=f"{base}?jwt={token}" + _fragment(user.name),
            embed=True,
            domain=urlsplit(JAAS_URL).netloc,
            room_name=f"{settings.app_id}/{room}",
            jwt=token,
            origin=JAAS_URL,
            api_script=f"{JAAS_URL}/{settings.app_id}/external_api.js",
        )
    token = jitsi_token(settings, room, user, now)
    return VideoCall(
        provider=settings.provider,
        url=f"{settings.base_url.rstrip('/')}/{room}?jwt={token}" + _fragment(user.name),
        embed=True,
        domain=urlsplit(settings.base_url).netloc,
        room_name=room,
        jwt=token,
        origin=_origin(settings.base_url),
        api_script=f"{_origin(settings.base_url)}/external_api.js",
    )
