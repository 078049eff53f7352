"""Notification email: render each pending notification in its recipient's language, send it
over SMTP, and record the outcome. Driven by the task queue (web/tasks.py), never a request.

Temporary SMTP failures (4xx, a dropped connection) leave the email pending for the next run;
permanent ones (5xx) are recorded and shown to the person in-app through the notification row.
"""

from __future__ import annotations

import base64
import smtplib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, make_msgid
from secrets import token_hex
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext

from plugin.notifications.addresses import (
    ConfirmationOutcome,
    OutgoingConfirmation,
    pending_confirmations,
    record_confirmations,
)
from plugin.notifications.service import (
    EmailOutcome,
    OutgoingEmail,
    pending_emails,
    record_emails,
)
from plugin.rooms.agreed import meeting_ics
from plugin.teams.links import lms_url_for
from web.config import Settings
from web.db import get_session
from web.i18n import LANGUAGES, translated, with_region
from web.pages.notifications import (
    CONFIRM_HOURS,
    address_token,
    target_url,
    unsubscribe_token,
)

CHUNK = 50  # emails recorded per commit: what a killed worker may send again


@dataclass(frozen=True)
class Email:
    """One rendered email: the envelope and the message's bytes as they go over SMTP."""

    sender: str
    recipient: str
    data: bytes


def _locale(email: OutgoingEmail | OutgoingConfirmation, settings: Settings) -> str:
    tag = (email.locale or "").replace("_", "-").split("-", 1)[0].lower()
    return with_region(tag, email.locale) if tag in LANGUAGES else settings.default_locale


def _header(value: str) -> str:
    """A header value as RFC 5322 allows it: ASCII as is, anything else as an encoded word."""
    value = " ".join(value.split())  # no line breaks can reach a header
    return value if value.isascii() else Header(value, "utf-8").encode()


def _part(content_type: str, body: str) -> bytes:
    encoded = base64.encodebytes(body.encode()).replace(b"\n", b"\r\n")
    head = (
        f"Content-Type: {content_type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    return head.encode() + encoded


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email: ``content_type`` may carry parameters (``; method=...``)."""

    filename: str
    content_type: str
    data: bytes


def _attachment(item: Attachment) -> bytes:
    # The file name is ours (ASCII, no quotes), so a plain quoted parameter is enough.
    name = item.filename.replace('"', "")
    head = (
        f'Content-Type: {item.content_type}; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return head.encode() + base64.encodebytes(item.data).replace(b"\n", b"\r\n")


def mime(
    headers: dict[str, str], text: str, html: str, attachments: Sequence[Attachment] = ()
) -> bytes:
    """A multipart/alternative message (text and HTML parts, base64, CRLF line ends), inside
    a multipart/mixed one with the files when there are attachments (RFC 2046 5.1.3).

    Written out directly: the standard library's policy-driven EmailMessage took about four
    times as long as rendering and sending together. Header values are unfolded, so the
    List-Unsubscribe URL stays whole as RFC 8058 needs.
    """
    boundary = f"tandem-{token_hex(12)}"
    lines = [f"{name}: {_header(value)}" for name, value in headers.items()]
    lines.append("MIME-Version: 1.0")
    alternative = b"".join(
        [
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
            f"--{boundary}\r\n".encode(),
            _part("text/plain", text),
            f"\r\n--{boundary}\r\n".encode(),
            _part("text/html", html),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    head = "\r\n".join(lines).encode() + b"\r\n"
    if not attachments:
        return head + alternative
    mixed = f"tandem-{token_hex(12)}"
    body = [head, f'Content-Type: multipart/mixed; boundary="{mixed}"\r\n\r\n'.encode()]
    body += [f"--{mixed}\r\n".encode(), alternative]
    for item in attachments:
        body += [f"\r\n--{mixed}\r\n".encode(), _attachment(item)]
    body.append(f"\r\n--{mixed}--\r\n".encode())
    return b"".join(body)


def render_email(email: OutgoingEmail, settings: Settings) -> Email:
    """The email in the recipient's language, with one-click unsubscribe (RFC 8058) for this
    kind of notification. Needs a request context on Tandem's base URL (for the links)."""
    with force_locale(_locale(email, settings)):
        subject, body = translated(email.title), translated(email.body)
        # The LMS's page when the launch told us one: it signs the person in (see
        # plugin.teams.links); Tandem's page otherwise.
        link = email.lms_url or target_url(email.target, external=True)
        unsubscribe = url_for(
            "pages.notifications_unsubscribe",
            token=unsubscribe_token(email.person_id, email.kind),
            _external=True,
        )
        settings_url = url_for("pages.notifications", _external=True)
        parts = {
            "body": body,
            "link": link,
            "via_lms": bool(email.lms_url),
            "unsubscribe": unsubscribe,
            "settings_url": settings_url,
        }
        text = render_template("notifications/email.txt", **parts)
        html = render_template("notifications/email.html", subject=subject, **parts)
    headers = {
        "Subject": subject,
        "From": settings.smtp_from,
        "To": email.address,
        "Date": format_datetime(datetime.now(UTC)),
        "Message-ID": make_msgid(domain="tandem"),
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return Email(
        settings.smtp_from, email.address, mime(headers, text, html, _attachments(email, subject))
    )


def _attachments(email: OutgoingEmail, subject: str) -> list[Attachment]:
    """A meeting reminder brings the meeting as an .ics (RFC 5545, times in UTC)."""
    if email.kind != "meeting_reminder":
        return []
    params = email.params
    try:
        start = datetime.fromisoformat(str(params["starts"]))
        end = datetime.fromisoformat(str(params["ends"]))
        meeting_id = int(str(params["meeting"]))
    except (KeyError, ValueError):
        return []
    settings: Settings = current_app.config["TANDEM_SETTINGS"]
    url = email.lms_url or target_url(email.target, external=True) or settings.base_url
    calendar = meeting_ics(
        uid=f"meeting-{meeting_id}@{urlsplit(settings.base_url).netloc or 'tandem'}",
        start=start,
        end=end,
        summary=subject,
        url=url,
        now=datetime.now(UTC),
    )
    return [
        Attachment("meeting.ics", "text/calendar; charset=utf-8; method=PUBLISH", calendar.encode())
    ]


def _chunks(items: list[OutgoingEmail]) -> Iterator[list[OutgoingEmail]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@contextmanager
def smtp_connection(settings: Settings) -> Iterator[smtplib.SMTP]:
    """One SMTP connection (STARTTLS and login as configured) inside a request context on
    Tandem's base URL, which the emails' links need; every sender here opens it this way."""
    with (
        smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=30) as smtp,
        current_app.test_request_context(base_url=settings.base_url),
    ):
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password)
        yield smtp


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send up to ``limit`` pending emails over one SMTP connection; (sent, failed)."""
    settings: Settings = current_app.config["TANDEM_SETTINGS"]
    if not settings.smtp_host:
        return 0, 0
    session = get_session()
    batch = pending_emails(session, limit, lms_link=lms_url_for)
    if not batch:
        return 0, 0
    sent = failed = 0
    try:
        with smtp_connection(settings) as smtp:
            for chunk in _chunks(batch):
                outcomes: list[EmailOutcome] = []
                try:
                    outcomes.extend(_send(smtp, email, settings) for email in chunk)
                finally:  # a dropped connection still records what went out before it
                    record_emails(session, outcomes)
                sent += sum(o.sent for o in outcomes)
                failed += sum(not o.sent for o in outcomes)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("Notification email: the SMTP server failed: %s", error)
    return sent, failed


def _send(smtp: smtplib.SMTP, email: OutgoingEmail, settings: Settings) -> EmailOutcome:
    """One email over an open connection; SMTP's answer says temporary (4xx) or permanent."""
    message = render_email(email, settings)
    try:
        smtp.sendmail(message.sender, [message.recipient], message.data)
    except smtplib.SMTPRecipientsRefused as error:
        return EmailOutcome(email.notification_id, sent=False, error=str(error), permanent=True)
    except smtplib.SMTPResponseException as error:
        return EmailOutcome(
            email.notification_id,
            sent=False,
            error=f"{error.smtp_code} {error.smtp_error!r}",
            permanent=500 <= error.smtp_code < 600,
        )
    return EmailOutcome(email.notification_id, sent=True)


def render_confirmation(confirmation: OutgoingConfirmation, settings: Settings) -> Email:
    """The email asking to confirm a chosen address, in the person's language, with the link.

    No unsubscribe header: it is a one-off answer to the person's own request, not a list."""
    with force_locale(_locale(confirmation, settings)):
        link = url_for(
            "pages.notification_address_confirm",
            token=address_token(confirmation.person_id, confirmation.address),
            _external=True,
        )
        subject = gettext("Confirm your email address for Tandem")
        parts = {"link": link, "address": confirmation.address, "hours": CONFIRM_HOURS}
        text = render_template("notifications/confirm_email.txt", **parts)
        html = render_template("notifications/confirm_email.html", subject=subject, **parts)
    headers = {
        "Subject": subject,
        "From": settings.smtp_from,
        "To": confirmation.address,
        "Date": format_datetime(datetime.now(UTC)),
        "Message-ID": make_msgid(domain="tandem"),
        "Auto-Submitted": "auto-generated",
    }
    return Email(settings.smtp_from, confirmation.address, mime(headers, text, html))


def send_confirmations(limit: int = 100) -> tuple[int, int]:
    """Send the confirmation emails people asked for on their notifications page."""
    settings: Settings = current_app.config["TANDEM_SETTINGS"]
    if not settings.smtp_host:
        return 0, 0
    session = get_session()
    batch = pending_confirmations(session, limit)
    if not batch:
        return 0, 0
    outcomes: list[ConfirmationOutcome] = []
    try:
        with smtp_connection(settings) as smtp:
            for confirmation in batch:
                message = render_confirmation(confirmation, settings)
                try:
                    smtp.sendmail(message.sender, [message.recipient], message.data)
                except smtplib.SMTPRecipientsRefused:
                    outcomes.append(_refused(confirmation, permanent=True))
                except smtplib.SMTPResponseException as error:
                    outcomes.append(_refused(confirmation, permanent=error.smtp_code >= 500))
                else:
                    outcomes.append(
                        ConfirmationOutcome(confirmation.person_id, confirmation.address, True)
                    )
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("Confirmation email: the SMTP server failed: %s", error)
    finally:
        record_confirmations(session, outcomes)
    sent = sum(o.sent for o in outcomes)
    return sent, len(outcomes) - sent


def _refused(confirmation: OutgoingConfirmation, *, permanent: bool) -> ConfirmationOutcome:
    return ConfirmationOutcome(
        confirmation.person_id, confirmation.address, sent=False, permanent=permanent
    )
