"""Deep Linking 2.0: the placement a teacher picks, returned to the LMS as a signed JWT.

The exchange is named by a custom parameter (``tandem_exchange``), never by the resource
link id: Moodle's course copy gives every link a new id. A line item rides along so that
Moodle and Brightspace create the grade column that AGS scores then fill.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import jwt
from sqlalchemy.orm import Session

from lti.claims import (
    DEPLOYMENT_ID,
    EXCHANGE_PARAMETER,
    MESSAGE_TYPE,
    VERSION,
    LaunchClaims,
)
from lti.failures import LaunchError, Reason
from lti.keys import ToolKey
from lti.state_storage import DatabaseLaunchStorage
from plugin.actors import Actor, Role

CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
RESPONSE_LIFETIME_S = 600
PICKER_TTL_S = 3600
SCORE_MAXIMUM = 100
_KEY_PREFIX = "deep-link-"


@dataclass(frozen=True)
class PendingDeepLink:
    """A deep-linking request waiting for the teacher's choice, kept server-side by token.

    The token in the picker's URL is the capability (the LMS iframe may drop cookies).
    """

    issuer: str
    client_id: str
    deployment_id: str
    return_url: str
    data: str | None
    accept_lineitem: bool
    person_id: int
    course_id: int | None
    role: str

    @classmethod
    def of(cls, claims: LaunchClaims, actor: Actor) -> PendingDeepLink:
        settings = claims.deep_linking
        if settings is None:
            raise LaunchError(Reason.MISSING_CLAIM, detail="deep_linking_settings")
        return cls(
            issuer=claims.issuer,
            client_id=claims.client_id,
            deployment_id=claims.deployment_id,
            return_url=settings.return_url,
            data=settings.data,
            accept_lineitem=settings.accept_lineitem,
            person_id=actor.person_id,
            course_id=actor.course_id,
            role=actor.role.value,
        )

    def save(self, session: Session) -> str:
        token = secrets.token_urlsafe(24)
        DatabaseLaunchStorage(session).set_value(_KEY_PREFIX + token, asdict(self), PICKER_TTL_S)
        session.commit()
        return token

    @property
    def actor(self) -> Actor:
        return Actor(self.person_id, Role(self.role), self.course_id)

    @classmethod
    def load(cls, session: Session, token: str) -> PendingDeepLink:
        value = DatabaseLaunchStorage(session).get_value(_KEY_PREFIX + token)
        if not isinstance(value, dict):
            raise LaunchError(Reason.STATE_MISMATCH, detail="this activity picker has expired")
        return cls(**value)


def resource_link_item(
    *, title: str, exchange_id: int, launch_url: str, with_lineitem: bool
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": title,
        "url": launch_url,
        "custom": {EXCHANGE_PARAMETER: str(exchange_id)},
    }
    if with_lineitem:
        item["lineItem"] = {
            "scoreMaximum": SCORE_MAXIMUM,
            "label": title,
            "resourceId": f"tandem-exchange-{exchange_id}",
            "tag": "tandem",
        }
    return item


def response_jwt(pending: PendingDeepLink, key: ToolKey, items: list[dict[str, Any]]) -> str:
    """The LtiDeepLinkingResponse, signed with the tool's current key."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": pending.client_id,
        "aud": pending.issuer,
        "iat": now,
        "exp": now + RESPONSE_LIFETIME_S,
        "nonce": uuid.uuid4().hex,
        MESSAGE_TYPE: "LtiDeepLinkingResponse",
        VERSION: "1.3.0",
        DEPLOYMENT_ID: pending.deployment_id,
        CONTENT_ITEMS: items,
    }
    if pending.data is not None:
        claims[DL_DATA] = pending.data
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})
