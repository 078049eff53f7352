"""Why a launch failed, as a reason a person (or an LMS admin) can act on.

Each reason has its HTTP status: 400 when the message itself is malformed, 401 when it cannot
be trusted, 403 when it is trusted but this platform or deployment is not allowed in.
"""

from __future__ import annotations

from enum import Enum

from flask_babel import LazyString, lazy_gettext


class Reason(Enum):
    MISSING_PARAMETER = ("missing_parameter", 400)
    MALFORMED_TOKEN = ("malformed_token", 400)
    MISSING_CLAIM = ("missing_claim", 400)
    WRONG_VERSION = ("wrong_version", 400)
    UNSUPPORTED_MESSAGE = ("unsupported_message", 400)
    UNKNOWN_ISSUER = ("unknown_issuer", 401)
    UNKNOWN_CLIENT = ("unknown_client", 401)
    UNKNOWN_DEPLOYMENT = ("unknown_deployment", 403)
    UNKNOWN_KEY = ("unknown_key", 401)
    BAD_SIGNATURE = ("bad_signature", 401)
    EXPIRED = ("expired", 401)
    NOT_YET_VALID = ("not_yet_valid", 401)
    WRONG_AUDIENCE = ("wrong_audience", 401)
    REPLAY = ("replay", 401)
    UNKNOWN_NONCE = ("unknown_nonce", 401)
    STATE_MISMATCH = ("state_mismatch", 401)
    KEY_SET_UNREACHABLE = ("key_set_unreachable", 502)
    REGISTRATION_PENDING = ("registration_pending", 403)
    REGISTRATION_RETIRED = ("registration_retired", 403)

    def __init__(self, code: str, status: int) -> None:
        self.code = code
        self.status = status

    @property
    def message(self) -> LazyString:
        return _MESSAGES[self]


_MESSAGES: dict[Reason, LazyString] = {
    Reason.MISSING_PARAMETER: lazy_gettext("The launch request is missing a required parameter."),
    Reason.MALFORMED_TOKEN: lazy_gettext("The launch token is not a valid JSON Web Token."),
    Reason.MISSING_CLAIM: lazy_gettext("The launch token is missing a required claim."),
    Reason.WRONG_VERSION: lazy_gettext("The launch is not an LTI 1.3.0 message."),
    Reason.UNSUPPORTED_MESSAGE: lazy_gettext("Tandem does not handle this kind of LTI message."),
    Reason.UNKNOWN_ISSUER: lazy_gettext(
        "This learning platform (issuer) is not registered with Tandem."
    ),
    Reason.UNKNOWN_CLIENT: lazy_gettext(
        "This client id is not registered with Tandem for this platform."
    ),
    Reason.UNKNOWN_DEPLOYMENT: lazy_gettext(
        "This deployment is not registered with Tandem; ask your LMS administrator to add it."
    ),
    Reason.UNKNOWN_KEY: lazy_gettext(
        "The launch was signed with a key the platform does not publish."
    ),
    Reason.BAD_SIGNATURE: lazy_gettext("The launch token's signature is not valid."),
    Reason.EXPIRED: lazy_gettext(
        "The launch token has expired. Please launch again from your course."
    ),
    Reason.NOT_YET_VALID: lazy_gettext(
        "The launch token is not valid yet; check the platform's clock."
    ),
    Reason.WRONG_AUDIENCE: lazy_gettext("The launch token was issued for another tool."),
    Reason.REPLAY: lazy_gettext(
        "This launch was already used. Please launch again from your course."
    ),
    Reason.UNKNOWN_NONCE: lazy_gettext("The launch does not answer a login that Tandem started."),
    Reason.STATE_MISMATCH: lazy_gettext(
        "Your browser did not keep Tandem's login state, which happens when an LMS page embeds "
        "Tandem and third-party cookies are blocked. Open Tandem in a new window instead."
    ),
    Reason.KEY_SET_UNREACHABLE: lazy_gettext(
        "Tandem could not fetch the platform's public keys. Please try again shortly."
    ),
    Reason.REGISTRATION_PENDING: lazy_gettext(
        "This platform's registration with Tandem is waiting for a Tandem administrator to "
        "activate it. Ask your LMS administrator to have it activated."
    ),
    Reason.REGISTRATION_RETIRED: lazy_gettext(
        "This registration of your LMS with Tandem was replaced by a newer one. Ask your LMS "
        "administrator to use the tool that is registered now."
    ),
}


class LaunchError(Exception):
    """A launch that must not go through; ``detail`` names the claim or value, for admins."""

    def __init__(self, reason: Reason, detail: str | None = None) -> None:
        super().__init__(f"{reason.code}: {detail}" if detail else reason.code)
        self.reason = reason
        self.detail = detail
