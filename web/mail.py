"""Notification email: render each pending notification in its recipient's language, send it
over SMTP, and record the outcome. Driven by the task queue (web/tasks.py), never a request.

Temporary SMTP failures (4xx, a dropped connection) leave the email pending for the next run;
permanent ones (5xx) are recorded and shown to the person in-app through the notification row.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from flask import current_app, render_template, url_for
from flask_babel import force_locale

from plugin.notifications.service import OutgoingEmail, pending_emails, record_email
from web.config import Settings
from web.db import get_session
from web.i18n import LANGUAGES, translated
from web.pages.notifications import target_url, unsubscribe_token

SMTP_POLICY = SMTP.clone(max_line_length=998)


def _locale(email: OutgoingEmail, settings: Settings) -> str:
    tag = (email.locale or "").replace("_", "-").split("-", 1)[0].lower()
    return tag if tag in LANGUAGES else settings.default_locale


def render_email(email: OutgoingEmail, settings: Settings) -> EmailMessage:
    """A multipart (text and HTML) email in the recipient's language, with one-click
    unsubscribe (RFC 8058) for this kind of notification."""
    with force_locale(_locale(email, settings)):
        subject, body = translated(email.title), translated(email.body)
        link = target_url(email.target, external=True)
        unsubscribe = url_for(
            "pages.notifications_unsubscribe",
            token=unsubscribe_token(email.person_id, email.kind),
            _external=True,
        )
        settings_url = url_for("pages.notifications", _external=True)
        text = render_template(
            "notifications/email.txt",
            body=body,
            link=link,
            unsubscribe=unsubscribe,
            settings_url=settings_url,
        )
        html = render_template(
            "notifications/email.html",
            subject=subject,
            body=body,
            link=link,
            unsubscribe=unsubscribe,
            settings_url=settings_url,
        )
        # URLs in List-Unsubscribe must stay whole: no folding into RFC 2047 encoded words.
        message = EmailMessage(policy=SMTP_POLICY)
        message["Subject"] = subject
        message["From"] = settings.smtp_from
        message["To"] = email.address
        message["Message-ID"] = make_msgid(domain="tandem")
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
    return message


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send up to ``limit`` pending emails over one SMTP connection; (sent, failed)."""
    settings: Settings = current_app.config["TANDEM_SETTINGS"]
    if not settings.smtp_host:
        return 0, 0
    session = get_session()
    batch = pending_emails(session, limit)
    if not batch:
        return 0, 0
    sent = failed = 0
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password)
            for email in batch:
                try:
                    with current_app.test_request_context(base_url=settings.base_url):
                        message = render_email(email, settings)  # URLs need Tandem's address
                    smtp.send_message(message)
                except smtplib.SMTPResponseException as error:
                    permanent = 500 <= error.smtp_code < 600
                    record_email(
                        session,
                        email.notification_id,
                        sent=False,
                        error=f"{error.smtp_code} {error.smtp_error!r}",
                        permanent=permanent,
                    )
                    failed += 1
                except smtplib.SMTPRecipientsRefused as error:
                    record_email(
                        session,
                        email.notification_id,
                        sent=False,
                        error=str(error),
                        permanent=True,
                    )
                    failed += 1
                else:
                    record_email(session, email.notification_id, sent=True)
                    sent += 1
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("Notification email: the SMTP server failed: %s", error)
    return sent, failed
