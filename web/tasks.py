"""Background work: a huey task queue, so nothing slow or talking to an LMS runs in a request.

Why huey: it is maintained, small, and has both storages Tandem needs: SQLite (the embedded
default, no extra service) and Redis (production, shared by every process), with retries,
scheduled and periodic tasks in one dependency. ``tandem worker`` runs the consumer.

Tasks are thin, like views: each opens an app context and calls one function of plugin/ or
lti/. Work that must not be lost is first recorded in the database by the use case that decided
it (the grade outbox, a roster's last-synced time, the login-state expiry), and a task only drains
that record. So a task lost with a killed worker is redone by the next periodic run, and a
delivered score is marked once, in the same place that sends it.

In tests (``TANDEM_ENV=test``) the queue is immediate: tasks run in the caller, in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy.exc import DBAPIError

from plugin.db import database_unreachable
from web.config import Settings
from web.db import get_session

logger = logging.getLogger(__name__)

QUEUE_NAME = "tandem"
TASKS_FILE = "tasks.sqlite3"


@dataclass(frozen=True)
class Tasks:
    """The queue and the tasks callers may enqueue (calling one enqueues it)."""

    huey: Huey
    sync_roster: Callable[[int], Any]
    send_grades: Callable[[], Any]
    send_emails: Callable[[], Any]
    run_issuing_job: Callable[[int], Any]
    publish_status_lists: Callable[[], Any]
    refresh_health: Callable[[int], Any]
    issue_credential: Callable[[int], Any]


def make_huey(settings: Settings) -> Huey:
    """Redis when Tandem has one (shared by all processes), else a SQLite file beside the data."""
    immediate = settings.env == "test"
    if settings.redis_url and not immediate:
        return RedisHuey(QUEUE_NAME, url=settings.redis_url, utc=True)
    return SqliteHuey(
        QUEUE_NAME,
        filename=str(settings.instance_path / TASKS_FILE),
        immediate=immediate,
        utc=True,
    )


def init_app(app: Flask, settings: Settings) -> Tasks:
    """Create the queue and register its tasks; each task runs inside this app."""
    huey = make_huey(settings)

    def in_app(work: Callable[[], Any]) -> Any:
        if has_app_context():  # immediate mode: already inside a request or command
            return work()
        try:
            with app.app_context():
                return work()
        except DBAPIError as error:
            # The database dropped its connections (restart, failover, backends terminated:
            # bench/soak.py's fault): the pool has let them go, so once more on a fresh one.
            # Without this the task was lost and its scores waited for the periodic run.
            if not database_unreachable(error):
                raise
            logger.warning("A task lost its database connection; running it again: %s", error)
        with app.app_context():
            return work()

    def sync_roster(course_id: int) -> None:
        """Re-read one course's roster if it is still stale (a launch found it so)."""
        in_app(lambda: _sync_roster(course_id, only_if_stale=True))

    def sync_stale_rosters() -> None:
        """Every hour: re-read the rosters that are stale, so leavers are noticed in time."""
        in_app(_sync_stale_rosters)

    # No queue lock around sending: a lock held by a killed worker was never released, and
    # grades stopped for good. Senders claim rows in the database instead (lti.grades).
    def send_grades() -> None:
        """Deliver due scores now (queued when a completion is decided)."""
        in_app(_send_grades)

    def send_due_grades() -> None:
        """Every minute: deliver scores whose retry time has come."""
        in_app(_send_grades)

    def purge_login_state() -> None:
        """Every 15 minutes: delete expired LTI login state and used nonces."""
        in_app(_purge)

    huey.periodic_task(crontab(minute="7"))(sync_stale_rosters)
    huey.periodic_task(crontab(minute="*"))(send_due_grades)
    huey.periodic_task(crontab(minute="*/15"))(purge_login_state)

    def send_notification_emails() -> None:
        """Every minute: email the notifications that wait for it (batched, one connection),
        and the confirmations of chosen addresses."""
        from web.mail import send_confirmations, send_pending

        def send_both() -> None:
            send_confirmations()  # few, and someone waits for each: first
            send_pending()

        in_app(send_both)

    def send_emails_now() -> None:
        """Email pending notifications now (queued after an event that notifies people)."""
        send_notification_emails()

    def send_chat_digests() -> None:
        """Every day at 16:05 UTC (afternoon in Europe, morning in the Americas): tell members
        whose teammates wrote while they were away."""
        in_app(_chat_digests)

    huey.periodic_task(crontab(minute="*"))(send_notification_emails)
    huey.periodic_task(crontab(minute="5", hour="16"))(send_chat_digests)

    def retry_held_credentials() -> None:
        """Every ten minutes: issue credentials held for want of institution details that were
        since completed another way (``platform import``, ``platform activate --country``)."""
        in_app(_retry_held_credentials)

    huey.periodic_task(crontab(minute="*/10"))(retry_held_credentials)

    def announce_team_health_events() -> None:
        """Every ten minutes: tell students a weekly check-in or a peer round opened (or
        closes), and finalize peer rounds whose closing time passed."""
        in_app(_team_health_events)

    huey.periodic_task(crontab(minute="*/10"))(announce_team_health_events)

    def issue_credential(completion_id: int) -> None:
        """Sign the credential a sign-off requested (the row it recorded); a lost task is
        redone by retry_held_credentials, and a second run finds nothing to issue."""
        in_app(lambda: _issue_requested(completion_id))

    def run_issuing_job(job_id: int) -> None:
        """Issue a registrar's bulk job batch by batch (queued by the registrar's form)."""
        in_app(lambda: _run_issuing_job(job_id))

    def resume_issuing_jobs() -> None:
        """Every minute: finish jobs a killed worker left unfinished."""
        in_app(_resume_issuing_jobs)

    huey.periodic_task(crontab(minute="*"))(resume_issuing_jobs)

    def publish_status_lists() -> None:
        """Sign and publish the status lists a revocation changed (queued by it)."""
        in_app(_publish_status_lists)

    def publish_due_status_lists() -> None:
        """Every minute: publish what a lost task left unpublished."""
        in_app(_publish_status_lists)

    huey.periodic_task(crontab(minute="*"))(publish_due_status_lists)

    def remind_meetings() -> None:
        """Every five minutes: remind members of agreed meetings starting soon (each once)."""
        in_app(_remind_meetings)

    huey.periodic_task(crontab(minute="*/5"))(remind_meetings)

    def refresh_health(exchange_id: int) -> None:
        """Recount one exchange's team activity now (a teacher asked)."""
        in_app(lambda: _refresh_health([exchange_id]))

    def refresh_all_health() -> None:
        """Every five minutes: recount running exchanges' activity, reassess their teams and
        alert teachers of teams that became at risk (each once per change)."""
        in_app(lambda: _refresh_health(None))

    huey.periodic_task(crontab(minute="*/5"))(refresh_all_health)

    def keep_completion_evidence() -> None:
        """Every ten minutes: keep running exchanges' room contributions as completion
        evidence (the teachers' completion page shows them without writing)."""
        in_app(_keep_completion_evidence)

    huey.periodic_task(crontab(minute="*/10"))(keep_completion_evidence)
    tasks = Tasks(
        huey=huey,
        sync_roster=huey.task()(sync_roster),
        send_grades=huey.task()(send_grades),
        send_emails=huey.task()(send_emails_now),
        run_issuing_job=huey.task(retries=3, retry_delay=30)(run_issuing_job),
        publish_status_lists=huey.task(retries=3, retry_delay=10)(publish_status_lists),
        refresh_health=huey.task(retries=2, retry_delay=30)(refresh_health),
        issue_credential=huey.task(retries=3, retry_delay=10)(issue_credential),
    )
    app.extensions["tandem.tasks"] = tasks
    return tasks


def tasks() -> Tasks:
    """This app's task queue."""
    found: Tasks = current_app.extensions["tandem.tasks"]
    return found


def _lti_client() -> Any:
    return current_app.extensions["tandem.lti"].client()


def _sync_roster(course_id: int, *, only_if_stale: bool) -> None:
    from lti.roster import roster_is_stale, sync_course_roster
    from lti.services import ServiceError

    session = get_session()
    if only_if_stale and not roster_is_stale(session, course_id):
        return  # another task or a teacher's "sync now" got there first
    try:
        sync_course_roster(session, _lti_client(), course_id)
    except ServiceError as error:
        session.rollback()
        logger.warning("Roster sync for course %s failed: %s", course_id, error)


def _sync_stale_rosters() -> None:
    from sqlalchemy import select

    from lti.models import ServiceEndpoints

    courses = get_session().scalars(
        select(ServiceEndpoints.course_id).where(ServiceEndpoints.memberships_url.is_not(None))
    )
    for course_id in list(courses):
        _sync_roster(course_id, only_if_stale=True)


def _send_grades() -> None:
    from lti.grades import send_pending

    report = send_pending(get_session(), _lti_client())
    if report.delivered or report.failed:
        logger.info("Grades: %s delivered, %s failed", report.delivered, report.failed)


def _chat_digests() -> None:
    from plugin.chat.digest import send_chat_digests

    made = send_chat_digests(get_session())
    if made:
        logger.info("Chat digests: %s notifications", made)


def _team_health_events() -> None:
    from plugin.checkins.service import announce_checkins
    from plugin.peer.service import announce_peer_rounds

    made = announce_checkins(get_session()) + announce_peer_rounds(get_session())
    if made:
        logger.info("Check-ins and peer rounds: %s notifications", made)


def _purge() -> None:
    from lti.state_storage import purge_expired

    purge_expired(get_session())


def _retry_held_credentials() -> None:
    from plugin.credentials.holds import retry_held
    from web.pages.credentials import issuer_context

    report = retry_held(get_session(), issuer_context())
    if report.issued:
        logger.info("Held credentials: %s issued, %s still held", report.issued, report.still_held)


def _issue_requested(completion_id: int) -> None:
    from plugin.credentials.holds import issue_requested
    from web.pages.credentials import issuer_context

    issue_requested(get_session(), issuer_context(), completion_id)


def _run_issuing_job(job_id: int) -> None:
    from plugin.credentials.jobs import issue_batch
    from web.pages.credentials import issuer_context

    session = get_session()
    while issue_batch(session, issuer_context(), job_id):
        pass


def _publish_status_lists() -> None:
    from plugin.credentials.service import publish_status_lists
    from web.pages.credentials import issuer_context

    published = publish_status_lists(get_session(), issuer_context())
    if published:
        logger.info("Status lists: %s published", published)


def _remind_meetings() -> None:
    from datetime import timedelta

    from plugin.rooms.agreed import send_meeting_reminders

    settings: Settings = current_app.config["TANDEM_SETTINGS"]
    before = timedelta(minutes=settings.meeting_reminder_minutes)
    made = send_meeting_reminders(get_session(), before=before)
    if made:
        logger.info("Meeting reminders: %s notifications", made)


def _refresh_health(exchange_ids: list[int] | None) -> None:
    from datetime import UTC, datetime

    from plugin.health.service import exchanges_to_refresh, refresh_exchange_health

    session = get_session()
    now = datetime.now(UTC)
    for exchange_id in exchange_ids or exchanges_to_refresh(session, now):
        report = refresh_exchange_health(session, exchange_id, now)
        if report.alerted:
            logger.info("Team health: %s at-risk alerts (exchange %s)", report.alerted, exchange_id)


def _keep_completion_evidence() -> None:
    from datetime import UTC, datetime

    from plugin.completion.service import exchanges_running, keep_evidence

    session = get_session()
    for exchange_id in exchanges_running(session, datetime.now(UTC).date()):
        added, after = keep_evidence(session, exchange_id)
        while after is not None:
            more, after = keep_evidence(session, exchange_id, after)
            added += more
        if added:
            logger.info("Completion evidence: %s weeks kept (exchange %s)", added, exchange_id)


def _resume_issuing_jobs() -> None:
    from plugin.credentials.jobs import unfinished_jobs

    for job_id in unfinished_jobs(get_session()):
        _run_issuing_job(job_id)


def run_worker(workers: int) -> None:
    """Run the consumer in this process until it is stopped (SIGINT/SIGTERM end it cleanly)."""
    consumer = tasks().huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, check_worker_health=True
    )
    consumer.run()
