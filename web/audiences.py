"""Who may use each route: one line per endpoint, checked by tests.

Every Flask endpoint must appear in ``ROUTE_AUDIENCES``;
``tests/web/test_web_route_walk.py::test_every_route_declares_its_audience`` fails for a route
without a line, and the route walk in the same file requests every route as every kind of
caller and checks that callers outside the audience get 401/403/404 (never the page, never a
5xx). The use cases in ``plugin/`` still decide access; this table is the promise they are
tested against.

To add a route: add ``"blueprint.endpoint": Audience.X,`` below, in the block of its module.
"""

from __future__ import annotations

from enum import StrEnum


class Audience(StrEnum):
    """Who may use a route. The narrowest one that fits; the use case enforces it."""

    PUBLIC = "public"
    """Anyone, no session: verifiers, the LMS, static files, public credentials."""
    LMS = "lms"
    """An LTI message from a registered platform (login, launch, registration); the
    signature, state or invite is the protection, not a session."""
    LINK_HOLDER = "holder of a secret link"
    """Anyone holding a secret random token from the URL (resume, unsubscribe, deep link)."""
    SIGNED_IN = "signed in"
    """Any person with a web session; the page shows only their own things."""
    EXCHANGE_STUDENT = "student of this exchange"
    """A student enrolled in a course taking part in this exchange."""
    TEAM_MEMBER = "member of this team"
    """A student in this team, or a teacher of its exchange."""
    EXCHANGE_TEACHER = "teacher of this exchange"
    """A teacher of the owning or an approved partner course of this exchange."""
    OWNING_TEACHER = "teacher of the owning course"
    """A teacher of the course that created the exchange (matching, codes, seats, rules)."""
    TEACHER = "teacher"
    """Any teacher or course admin in their own course (creating or joining exchanges)."""
    REGISTRAR = "registrar of own university"
    """A registrar (or administrator) of the university that issued the credential."""
    ADMIN = "tandem admin"
    """A Tandem administrator (LMS admin launch or ``tandem admin token`` sign-in)."""


ROUTE_AUDIENCES: dict[str, Audience] = {
    "static": Audience.PUBLIC,
    # lti/routes.py, lti/placements.py
    "lti.oidc_login": Audience.LMS,
    "lti.launch": Audience.LMS,
    "lti.register": Audience.LMS,
    "lti.jwks": Audience.PUBLIC,
    "lti.resume": Audience.LINK_HOLDER,
    "lti.deep_link_picker": Audience.LINK_HOLDER,
    "lti.copied_placement": Audience.TEACHER,
    # web/pages/home.py
    "pages.home": Audience.PUBLIC,
    "pages.choose_language": Audience.PUBLIC,
    "pages.report_time_zone": Audience.PUBLIC,
    # web/pages/credentials.py
    "pages.credential_page": Audience.PUBLIC,
    "pages.credential_certificate": Audience.PUBLIC,
    "pages.verify": Audience.PUBLIC,
    "pages.favicon": Audience.PUBLIC,
    "pages.issuer_did": Audience.PUBLIC,
    "pages.status_list": Audience.PUBLIC,
    # web/pages/admin.py
    "pages.admin_sign_in": Audience.LINK_HOLDER,
    "pages.admin_registrations": Audience.ADMIN,
    "pages.admin_add_registration": Audience.ADMIN,
    "pages.admin_invite": Audience.ADMIN,
    "pages.admin_activate": Audience.ADMIN,
    "pages.admin_remove": Audience.ADMIN,
    "pages.admin_check": Audience.ADMIN,
    # web/pages/admin_institutions.py
    "pages.admin_institutions": Audience.ADMIN,
    "pages.admin_institution_edit": Audience.ADMIN,
    # web/pages/admin_issuers.py
    "pages.admin_issuers": Audience.ADMIN,
    "pages.admin_issuers_import": Audience.ADMIN,
    "pages.admin_issuer_remove": Audience.ADMIN,
    # web/pages/admin_lms.py
    "pages.admin_activate_again": Audience.ADMIN,
    "pages.admin_replace": Audience.ADMIN,
    # web/pages/registrar.py
    "pages.registrar_console": Audience.REGISTRAR,
    "pages.registrar_revoke": Audience.REGISTRAR,
    "pages.registrar_bulk_issue": Audience.REGISTRAR,
    "pages.agree_meeting": Audience.TEAM_MEMBER,
    "pages.agreed_meeting_ics": Audience.TEAM_MEMBER,
    "pages.registrar_job": Audience.REGISTRAR,
    "pages.registrar_job_progress": Audience.REGISTRAR,
    "pages.registrar_export": Audience.REGISTRAR,
    # web/pages/pathways.py
    "pages.registrar_pathways_page": Audience.REGISTRAR,
    "pages.registrar_pathway": Audience.REGISTRAR,
    "pages.registrar_add_component": Audience.REGISTRAR,
    "pages.my_pathways": Audience.SIGNED_IN,
    "pages.my_pathway": Audience.SIGNED_IN,
    "pages.pathway_add_tandem": Audience.SIGNED_IN,
    "pages.pathway_add_partner": Audience.SIGNED_IN,
    "pages.pathway_claim": Audience.SIGNED_IN,
    "pages.pathway_clr": Audience.SIGNED_IN,
    # web/pages/wallet.py
    "pages.wallet_offer_create": Audience.SIGNED_IN,
    "pages.wallet_offer": Audience.SIGNED_IN,
    "pages.wallet_issuer_metadata": Audience.PUBLIC,
    "pages.wallet_authorization_metadata": Audience.PUBLIC,
    "pages.wallet_token": Audience.PUBLIC,
    "pages.wallet_credential": Audience.PUBLIC,
    # web/pages/student.py
    "pages.onboarding": Audience.EXCHANGE_STUDENT,
    "pages.student_exchange": Audience.EXCHANGE_STUDENT,
    "pages.my_data": Audience.SIGNED_IN,
    # web/pages/privacy.py
    "pages.my_data_page": Audience.SIGNED_IN,
    "pages.erase_me": Audience.SIGNED_IN,
    "pages.privacy_page": Audience.PUBLIC,
    # web/pages/teammates.py
    "pages.teammates": Audience.EXCHANGE_STUDENT,
    "pages.teammates_pick": Audience.EXCHANGE_STUDENT,
    "pages.teammates_code": Audience.EXCHANGE_STUDENT,
    "pages.teammates_remove": Audience.EXCHANGE_STUDENT,
    "pages.teammates_new_code": Audience.EXCHANGE_STUDENT,
    # web/pages/health.py
    "pages.health_dashboard_page": Audience.EXCHANGE_TEACHER,
    "pages.refresh_health_now": Audience.EXCHANGE_TEACHER,
    "pages.health_settings_page": Audience.EXCHANGE_TEACHER,
    "pages.team_health_page": Audience.EXCHANGE_TEACHER,
    "pages.log_team_intervention": Audience.EXCHANGE_TEACHER,
    # web/pages/teamwork.py
    "pages.checkin": Audience.EXCHANGE_STUDENT,
    "pages.checkin_answer": Audience.EXCHANGE_STUDENT,
    "pages.peer_round": Audience.EXCHANGE_STUDENT,
    "pages.peer_rate": Audience.EXCHANGE_STUDENT,
    "pages.teamwork": Audience.EXCHANGE_TEACHER,
    "pages.teamwork_schedule": Audience.EXCHANGE_TEACHER,
    "pages.teamwork_sharing": Audience.EXCHANGE_TEACHER,
    "pages.teamwork_policy": Audience.EXCHANGE_TEACHER,
    "pages.teamwork_open_round": Audience.EXCHANGE_TEACHER,
    "pages.peer_close": Audience.EXCHANGE_TEACHER,
    "pages.peer_results": Audience.EXCHANGE_TEACHER,
    "pages.teamwork_export": Audience.EXCHANGE_TEACHER,
    # web/pages/completion.py
    "pages.my_completion": Audience.EXCHANGE_STUDENT,
    "pages.reflection": Audience.EXCHANGE_STUDENT,
    "pages.ask_sign_off": Audience.EXCHANGE_STUDENT,
    "pages.completion_students": Audience.EXCHANGE_TEACHER,
    "pages.approve": Audience.EXCHANGE_TEACHER,
    "pages.override": Audience.EXCHANGE_TEACHER,
    "pages.meeting": Audience.EXCHANGE_TEACHER,
    "pages.completion_rule": Audience.OWNING_TEACHER,
    # web/pages/teacher.py
    "pages.new_exchange": Audience.TEACHER,
    "pages.edit_exchange": Audience.OWNING_TEACHER,
    "pages.copy_template": Audience.TEACHER,
    "pages.join_exchange": Audience.TEACHER,
    "pages.teacher_exchange": Audience.EXCHANGE_TEACHER,
    "pages.new_join_code": Audience.OWNING_TEACHER,
    "pages.decide": Audience.OWNING_TEACHER,
    "pages.leave": Audience.EXCHANGE_TEACHER,
    "pages.sync_roster_now": Audience.EXCHANGE_TEACHER,
    "pages.erase": Audience.EXCHANGE_TEACHER,
    "pages.choose_video_name": Audience.TEAM_MEMBER,
    # web/pages/matching.py
    "pages.matching_home": Audience.OWNING_TEACHER,
    "pages.matching_run": Audience.OWNING_TEACHER,
    "pages.matching_move": Audience.OWNING_TEACHER,
    "pages.matching_lock": Audience.OWNING_TEACHER,
    "pages.matching_rerun": Audience.OWNING_TEACHER,
    "pages.matching_publish": Audience.OWNING_TEACHER,
    "pages.matching_late_joiners": Audience.OWNING_TEACHER,
    "pages.matching_rebalance": Audience.OWNING_TEACHER,
    # web/pages/room.py
    "pages.my_rooms": Audience.SIGNED_IN,
    "pages.team_room": Audience.TEAM_MEMBER,
    "pages.team_room_token": Audience.TEAM_MEMBER,
    "pages.team_meetings_ics": Audience.TEAM_MEMBER,
    "pages.exchange_rooms": Audience.EXCHANGE_TEACHER,
    "pages.remove_team_member": Audience.EXCHANGE_TEACHER,
    # web/pages/grades.py
    "pages.grades": Audience.TEACHER,
    "pages.send_grades": Audience.TEACHER,
    # web/pages/notifications.py
    "pages.notifications": Audience.SIGNED_IN,
    "pages.notifications_read": Audience.SIGNED_IN,
    "pages.notification_choices": Audience.SIGNED_IN,
    "pages.notifications_unsubscribe": Audience.LINK_HOLDER,
    "pages.notification_address": Audience.SIGNED_IN,
    "pages.notification_address_confirm": Audience.LINK_HOLDER,
}


def audience_of(endpoint: str) -> Audience | None:
    """The declared audience of an endpoint, or None when nobody declared one (a test fails)."""
    return ROUTE_AUDIENCES.get(endpoint)
