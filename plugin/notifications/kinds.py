"""What each kind of notification says and where it goes by default. Pure data, no I/O.

Texts are marked with ``N_`` so the web layer renders them in the recipient's language; the
parameters are plain values stored with the notification (names, titles, never message text).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plugin.i18n import N_, Text


class Channel(StrEnum):
    APP = "app"
    EMAIL = "email"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # for the preferences form
    title: str  # %(name)s placeholders from the notification's params
    body: str
    email_by_default: bool


def _kind(key: str, label: Text, title: Text, body: Text, *, email: bool = True) -> Kind:
    return Kind(key, label, title, body, email)


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        _kind(
            "teams_published",
            N_("Teams are published"),
            N_("Your team in %(exchange)s is ready"),
            N_("You are in %(team)s with %(teammates)s. Your team room is open."),
        ),
        _kind(
            "completion_approved",
            N_("Your completion is approved"),
            N_("You completed %(exchange)s"),
            N_("Your teacher approved your completion of %(exchange)s."),
        ),
        _kind(
            "completion_declined",
            N_("Your completion is declined"),
            N_("Your completion of %(exchange)s was declined"),
            N_("Your teacher declined your completion of %(exchange)s. Ask them what is missing."),
        ),
        _kind(
            "credential_issued",
            N_("A credential is issued to you"),
            N_("Your credential for %(exchange)s is ready"),
            N_("Your micro-credential for %(exchange)s has been issued."),
        ),
        _kind(
            "chat_digest",
            N_("Teammates wrote while you were away (at most daily)"),
            N_("New messages in %(team)s"),
            N_(
                "Your teammates wrote in %(team)s since you were last there. "
                "Open your team room to read them."
            ),
        ),
        _kind(
            "join_requested",
            N_("A partner course asks to join"),
            N_("%(course)s asks to join %(exchange)s"),
            N_("A teacher of %(institution)s asked to join %(exchange)s with %(course)s."),
        ),
        _kind(
            "meeting_reminder",
            N_("A meeting your team agreed on is coming up"),
            N_("%(team)s meets at %(when)s"),
            N_(
                "Your team %(team)s agreed to meet at %(when)s. Join from your team room; "
                "the email brings the meeting for your calendar."
            ),
        ),
        _kind(
            "checkin_open",
            N_("A weekly check-in opens"),
            N_("This week's check-in for %(exchange)s is open"),
            N_(
                "Three quick questions about how your team works this week. Answer them from "
                "your team room or your home page; about a minute."
            ),
        ),
        _kind(
            "checkin_closing",
            N_("A weekly check-in closes soon and you have not answered"),
            N_("This week's check-in for %(exchange)s closes on Sunday"),
            N_("You have not answered this week's check-in yet. It takes about a minute."),
            email=False,
        ),
        _kind(
            "peer_round_open",
            N_("A peer evaluation round opens"),
            N_("Peer evaluation %(round)s is open"),
            N_(
                "Rate yourself and each teammate in %(exchange)s on five kinds of teamwork "
                "before the round closes."
            ),
        ),
        _kind(
            "peer_round_closed",
            N_("A peer evaluation round closes"),
            N_("Peer evaluation %(round)s has closed"),
            N_(
                "The round %(round)s in %(exchange)s has closed. Your feedback is on its page "
                "when at least three teammates rated you."
            ),
        ),
        _kind(
            "grades_refused",
            N_("The learning platform refused a score"),
            N_("Scores for %(course)s did not reach the gradebook"),
            N_(
                "The learning platform refused a score Tandem sent for %(course)s. Tandem "
                "keeps it and tries again; the grades page shows what waits and why."
            ),
        ),
        _kind(
            "issuance_held",
            N_("A credential is held up"),
            N_("A credential for %(exchange)s is held up"),
            N_(
                "The credential %(learner)s earned in %(exchange)s cannot be issued yet: the "
                "awarding institution's details are incomplete. It is issued as soon as an "
                "administrator completes them."
            ),
        ),
        _kind(
            "team_at_risk",
            N_("A team is at risk"),
            N_("%(team)s in %(exchange)s is at risk"),
            N_(
                "Tandem's team health signals put %(team)s in %(exchange)s at risk. The "
                "team's health page says why and keeps the teachers' notes on it."
            ),
        ),
    )
}


def wants(kind: Kind, channel: Channel, choice: bool | None) -> bool:
    """A person's choice wins; without one, in-app is always on and email follows the kind."""
    if choice is not None:
        return choice
    return channel is Channel.APP or kind.email_by_default


def render(kind: Kind, params: dict[str, object]) -> tuple[Text, Text]:
    """The title and body of one notification, English now and translatable later."""
    return Text(kind.title, params), Text(kind.body, params)
