"""What Tandem holds about a person, declared once per table column that names them.

The export (GDPR art. 15 and 20), the erasure (art. 17), the students' privacy page and the
DPO's records of processing are all generated from ``HOLDINGS``, so they cannot disagree.
``tests/plugin/privacy`` walks SQLAlchemy's metadata and fails when a column referencing
``person.id`` has no declaration here: a new table cannot be forgotten.

Declarations name tables by their name (not their model class), so tables owned by adapters
(the LTI grade outbox) are covered without the domain importing the adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from plugin.i18n import N_


class Erase(StrEnum):
    """What erasure does to rows whose ``column`` names the person."""

    DELETE = "delete"  # the rows go
    UNLINK = "unlink"  # the column is emptied; the row is someone else's record too
    SCRUB = "scrub"  # the row stays as a marker ("removed"): personal columns emptied, unlinked
    KEEP = "keep"  # only for teachers' administrative acts; the person row left is nameless


# Sentinel value in ``Holding.scrub``: the time of erasure.
NOW = "__now__"


@dataclass(frozen=True)
class Holding:
    table: str
    column: str
    what: str
    why: str
    kept: str
    partners: str
    erase: Erase
    # For SCRUB: column -> value written instead (NOW for the erasure time).
    scrub: Mapping[str, object] = field(default_factory=dict)
    export: bool = True
    # When set, the export shows only these columns: the rows are someone else's record too
    # (a teacher's decision on a student's completion must not export the student's text).
    only: tuple[str, ...] = ()


_STUDY = N_("Running the exchange the person takes part in.")
_UNTIL_ERASED = N_("Until the person is erased, or the exchange's records are purged.")
_NOBODY = N_("Nobody at the partner university.")

HOLDINGS: tuple[Holding, ...] = (
    Holding(
        "person",
        "id",
        N_("Name, email and language as the learning platform sent them; a chosen name."),
        N_("Showing who is who; emailing notifications."),
        _UNTIL_ERASED,
        N_("Teammates and teachers see the display name; email never leaves the university."),
        Erase.SCRUB,
        {
            "lms_name": None,
            "given_name": None,
            "family_name": None,
            "email": None,
            "chosen_name": None,
            "locale": None,
            "erased_at": NOW,
        },
    ),
    Holding(
        "external_account",
        "person_id",
        N_("The learning platform's user id (LTI 'sub')."),
        N_("Recognising the person at their next launch."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "course_membership",
        "person_id",
        N_("Course memberships and roles, from launches and the course roster."),
        N_("Knowing who may join which exchange and who teaches whom."),
        N_("Until the person leaves the course roster, or is erased."),
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "exchange_participant",
        "person_id",
        N_("Taking part in an exchange, through which course."),
        _STUDY,
        _UNTIL_ERASED,
        N_("Partner teachers see counts only."),
        Erase.SCRUB,
        {"person_id": None, "status": "erased"},
    ),
    Holding(
        "exchange",
        "owner_id",
        N_("Exchanges a teacher set up."),
        N_("Knowing who runs an exchange."),
        N_("As long as the exchange exists."),
        N_("Partner teachers see the owner's name."),
        Erase.KEEP,
    ),
    Holding(
        "exchange_seat",
        "requested_by_id",
        N_("A teacher's request to join an exchange with a course."),
        N_("Knowing who asked for a course's place in an exchange."),
        N_("As long as the exchange exists."),
        N_("Partner teachers see the requesting teacher's name."),
        Erase.KEEP,
    ),
    Holding(
        "exchange_seat",
        "decided_by_id",
        N_("A teacher's decision on a course's request to join."),
        N_("Knowing who accepted a course into an exchange."),
        N_("As long as the exchange exists."),
        N_("Partner teachers see the deciding teacher's name."),
        Erase.KEEP,
    ),
    Holding(
        "profile",
        "person_id",
        N_("Profile: pronouns, time zone, availability, languages, interests, sharing choices."),
        N_("Forming teams and suggesting meeting times."),
        _UNTIL_ERASED,
        N_("Only what the person chose to share in their profile."),
        Erase.DELETE,
    ),
    Holding(
        "teammate_request",
        "requester_id",
        N_("Teammates the person asked to be teamed with."),
        N_("Forming teams."),
        N_("Until teams are formed, or the person is erased."),
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "teammate_request",
        "requested_id",
        N_("Requests by others to be teamed with the person."),
        N_("Forming teams."),
        N_("Until teams are formed, or the person is erased."),
        _NOBODY,
        Erase.DELETE,
        only=("id", "exchange_id", "requested_id", "created_at"),
    ),
    Holding(
        "teammate_code",
        "person_id",
        N_("The code the person shares with friends to be teamed with them."),
        N_("Forming teams."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "team_membership",
        "person_id",
        N_("Team memberships."),
        _STUDY,
        _UNTIL_ERASED,
        N_("Teammates see each other; partner teachers see counts."),
        Erase.DELETE,
    ),
    Holding(
        "matching_run",
        "created_by_id",
        N_("Team-forming runs a teacher started."),
        N_("Knowing who formed the teams."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
    ),
    Holding(
        "room_message",
        "author_id",
        N_("Chat lines written in team rooms."),
        N_("The team's conversation."),
        _UNTIL_ERASED,
        N_("Teammates in the room, from both universities."),
        Erase.SCRUB,
        {"author_id": None, "body": "", "deleted_at": NOW},
    ),
    Holding(
        "room_message",
        "hidden_by_id",
        N_("Chat lines a teacher hid, with the reason."),
        N_("Moderating team rooms."),
        _UNTIL_ERASED,
        N_("Teammates see that a teacher hid a line."),
        Erase.UNLINK,
        only=("id", "room_id", "hidden_at", "hidden_by_id", "hidden_reason"),
    ),
    Holding(
        "room_note",
        "updated_by_id",
        N_("Who last changed the team's shared notes."),
        N_("The team's joint work."),
        _UNTIL_ERASED,
        N_("Teammates in the room."),
        Erase.UNLINK,
    ),
    Holding(
        "room_note_update",
        "author_id",
        N_("Contributions to the team's shared notes."),
        N_("The team's joint work; counting contribution weeks for completion."),
        N_(
            "Until the room is purged. On erasure the text stays in the team's joint notes "
            "without a link to the person."
        ),
        N_("Teammates in the room."),
        Erase.UNLINK,
    ),
    Holding(
        "room_task",
        "assignee_id",
        N_("Team tasks assigned to the person."),
        N_("The team's plan."),
        _UNTIL_ERASED,
        N_("Teammates in the room."),
        Erase.UNLINK,
    ),
    Holding(
        "room_task",
        "created_by_id",
        N_("Team tasks the person added."),
        N_("The team's plan."),
        _UNTIL_ERASED,
        N_("Teammates in the room."),
        Erase.UNLINK,
    ),
    Holding(
        "room_task",
        "done_by_id",
        N_("Team tasks the person finished."),
        N_("The team's plan; completion."),
        _UNTIL_ERASED,
        N_("Teammates in the room."),
        Erase.UNLINK,
    ),
    Holding(
        "room_call_attendance",
        "person_id",
        N_("When the person joined and left the team's calls."),
        N_("Counting meetings for completion."),
        _UNTIL_ERASED,
        N_("Partner teachers see counts only."),
        Erase.DELETE,
    ),
    Holding(
        "completion_rule",
        "created_by_id",
        N_("Completion rules a teacher set."),
        N_("Knowing who set the rule."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
    ),
    Holding(
        "completion_evidence",
        "person_id",
        N_("Evidence of meetings recorded for the person."),
        N_("Deciding completion."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "completion_evidence",
        "recorded_by_id",
        N_("Evidence a teacher recorded."),
        N_("Knowing who recorded it."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
        only=("id", "exchange_id", "kind", "recorded_by_id", "recorded_at"),
    ),
    Holding(
        "completion",
        "person_id",
        N_("Completion: status, reflection, a teacher's override reason."),
        N_("Deciding completion and the grade sent to the learning platform."),
        _UNTIL_ERASED,
        N_("Partner teachers see counts only."),
        Erase.DELETE,
    ),
    Holding(
        "completion",
        "approved_by_id",
        N_("Completions a teacher decided."),
        N_("Knowing who decided."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
        only=("id", "exchange_id", "status", "approved_by_id", "decided_at"),
    ),
    Holding(
        "credential",
        "person_id",
        N_("Credentials (badges) issued to the person."),
        N_("Letting anyone the person shows the credential to verify it."),
        N_(
            "Until the person is erased. Erasure deletes Tandem's copy of the signed "
            "credential (it identifies the person by a sealed form of their email) and its "
            "link to the person; Tandem keeps only the credential's number, fingerprint, "
            "issuing date and revocation-list entry, which name no one, so a copy the person "
            "saved still verifies. Erasure does not revoke the credential."
        ),
        _NOBODY,
        Erase.SCRUB,
        {"person_id": None, "document": None, "holder_erased_at": NOW},
    ),
    Holding(
        "credential",
        "issued_by_id",
        N_("Credentials a teacher issued."),
        N_("Knowing who issued a credential."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
        only=("id", "issued_at", "issued_by_id"),
    ),
    Holding(
        "credential",
        "revoked_by_id",
        N_("Credentials a teacher revoked."),
        N_("Knowing who revoked a credential."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
        only=("id", "revoked_at", "revoked_by_id", "revocation_reason"),
    ),
    Holding(
        "held_issuance",
        "requested_by_id",
        N_("Credentials a teacher's sign-off asked for that wait to be issued."),
        N_("Knowing who asked for a credential."),
        N_("Until the credential is issued."),
        _NOBODY,
        Erase.UNLINK,
        only=("id", "completion_id", "requested_by_id", "created_at"),
    ),
    Holding(
        "pathway",
        "created_by_id",
        N_("Nano-degree pathways a registrar defined."),
        N_("Knowing who defined a nano-degree."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
        only=("id", "name", "created_by_id", "created_at"),
    ),
    Holding(
        "pathway_entry",
        "person_id",
        N_(
            "Credentials the person added towards a nano-degree, including copies of "
            "partner universities' credentials they uploaded."
        ),
        N_("Checking whether the person has earned the nano-degree."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "pathway_award",
        "person_id",
        N_("Nano-degrees awarded to the person and the credentials they were made of."),
        N_("Offering the person their nano-degree and learner record."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "wallet_offer",
        "person_id",
        N_("Offers to take a credential into the person's digital wallet, and the wallet's key."),
        N_("Handing the credential to the wallet the person chose, once."),
        N_("Until the person is erased; an offer is usable for ten minutes."),
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "agreed_meeting",
        "agreed_by_id",
        N_("Meetings the person recorded as agreed by their team."),
        N_("Showing the team its meeting and reminding the members before it."),
        _UNTIL_ERASED,
        N_("The person's teammates see the meeting, not who recorded it."),
        Erase.UNLINK,
        only=("id", "team_id", "starts_at", "ends_at", "agreed_by_id", "created_at"),
    ),
    Holding(
        "issuing_job",
        "requested_by_id",
        N_("Bulk issuing a registrar started, with its counts."),
        N_("Showing the registrar the progress of what they started."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
        only=("id", "exchange_id", "requested_by_id", "created_at", "total", "done", "failed"),
    ),
    Holding(
        "notification",
        "person_id",
        N_("Notifications sent to the person."),
        N_("Telling the person what happened."),
        N_("Until purged, or the person is erased."),
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "notification_choice",
        "person_id",
        N_("Which notifications the person wants by email or in Tandem."),
        N_("Respecting the person's choices."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "notify_address",
        "person_id",
        N_("An email address the person chose for notifications, and one awaiting confirmation."),
        N_("Emailing notifications where the person asked."),
        N_("Until the person removes it, or is erased."),
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "ledger_subject",
        "person_id",
        N_("The link from the tamper-evident event log to the person, and private notes."),
        N_("Proving what was decided (completion, credentials) without rewriting history."),
        N_(
            "The log is kept; on erasure the link and the private notes go, so its events "
            "no longer lead back to the person."
        ),
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "registrar",
        "person_id",
        N_("Being a registrar of an institution."),
        N_("Letting registrars export records."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "lti_grade_outbox",
        "person_id",
        N_("Grades on their way to, or already sent to, the learning platform."),
        N_("Sending the completion grade to the person's course gradebook."),
        N_(
            "Until erased. A grade already sent is the learning platform's record and stays "
            "there; a grade not yet sent is dropped."
        ),
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "exchange_seat_setting",
        "updated_by_id",
        N_("A course's settings in an exchange a teacher changed."),
        N_("Knowing who changed them."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
    ),
    Holding(
        "checkin_schedule",
        "updated_by_id",
        N_("Check-in schedules a teacher set."),
        N_("Knowing who set the schedule."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
    ),
    Holding(
        "checkin_answer",
        "person_id",
        N_("Weekly check-in answers (three scores) and an optional comment for the teacher."),
        N_("Letting teachers see early how a team works and help it."),
        N_("Until the person is erased; the team's weekly averages computed from them stay."),
        N_(
            "Partner teachers see team averages only, or the scores by name when both "
            "universities share individual team data; never the comment."
        ),
        Erase.DELETE,
    ),
    Holding(
        "peer_policy",
        "updated_by_id",
        N_("Peer evaluation settings a teacher chose."),
        N_("Knowing who chose them."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
    ),
    Holding(
        "peer_round",
        "created_by_id",
        N_("Peer evaluation rounds a teacher opened."),
        N_("Knowing who opened a round."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.UNLINK,
    ),
    Holding(
        "peer_submission",
        "rater_id",
        N_("Taking part in a peer evaluation round, and a confidential comment for the teacher."),
        N_("Peer evaluation; completion where it is required."),
        _UNTIL_ERASED,
        _NOBODY,
        Erase.DELETE,
    ),
    Holding(
        "peer_rating",
        "rater_id",
        N_("Peer evaluation ratings the person gave (themselves and teammates)."),
        N_("Computing teammates' feedback and adjustment factors."),
        N_("Until the person is erased; results already computed from them stay."),
        N_(
            "Partner teachers see them only in team results, or by name when both "
            "universities share individual team data."
        ),
        Erase.DELETE,
    ),
    Holding(
        "peer_rating",
        "ratee_id",
        N_("Peer evaluation ratings teammates gave the person."),
        N_("Computing the person's feedback and adjustment factor."),
        N_("Until the person is erased; the person sees them only as aggregated feedback."),
        N_(
            "Partner teachers see them only in team results, or by name when both "
            "universities share individual team data."
        ),
        Erase.DELETE,
        # Each row is the rater's record too: its scores and rater would say who said what
        # (the person's aggregated feedback is exported from peer_result).
        only=("id", "round_id", "team_id", "ratee_id"),
    ),
    Holding(
        "peer_result",
        "person_id",
        N_("The person's aggregated peer feedback, adjustment factor and flags."),
        N_("Feedback to the person; a grade adjustment where the teacher chose it."),
        N_("Until the person is erased; then it stays in the team's results, unlinked."),
        N_(
            "Partner teachers see team results and flags, or the person's result by name "
            "when both universities share individual team data."
        ),
        Erase.UNLINK,
    ),
    Holding(
        "health_member_week",
        "person_id",
        N_(
            "Weekly counts of the person's activity in the team room: chat lines, note edits, "
            "tasks done, calls joined (never what was written)."
        ),
        N_("Showing teachers early which teams need help."),
        N_("Until the person is erased; the team's weekly totals stay, without the person."),
        N_(
            "Partner teachers see them only inside team totals, unless both universities "
            "share individual team data for the exchange."
        ),
        Erase.DELETE,
    ),
    Holding(
        "health_intervention",
        "author_id",
        N_("Notes and actions a teacher logged about a team."),
        N_("Letting an exchange's teachers coordinate their help to a team."),
        N_("As long as the exchange exists."),
        N_("The exchange's teachers at every university see the note and its author."),
        Erase.UNLINK,
    ),
)


def holdings_for(table: str) -> list[Holding]:
    return [h for h in HOLDINGS if h.table == table]
