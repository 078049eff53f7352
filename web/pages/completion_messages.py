"""Messages the completion, credential and registrar use cases raise, for the Dutch catalogue.

plugin/ cannot import Flask-Babel; web/errors.py passes a domain error's English message
through gettext, which finds it because it is listed here.
"""

from flask_babel import lazy_gettext

COMPLETION_MESSAGES = (
    lazy_gettext("Only teachers of this exchange can do this."),
    lazy_gettext("This person is not known to Tandem."),
    lazy_gettext("Only a teacher of the student's own institution can decide this."),
    lazy_gettext("This student is not in a team of this exchange."),
    lazy_gettext("Choose phases of this exchange only."),
    lazy_gettext("A reflection must be 20 to 10000 characters."),
    lazy_gettext("Your completion is already approved."),
    lazy_gettext("Not everything is done yet; the checklist shows what is missing."),
    lazy_gettext("This completion is already approved."),
    lazy_gettext("Not every requirement is met; record an override with a reason instead."),
    lazy_gettext("Give a reason of 10 to 1000 characters for an override."),
    lazy_gettext("This completion does not exist."),
    lazy_gettext("The number of meetings must be between 0 and 52."),
    lazy_gettext("The number of weeks must be between 0 and 52."),
    lazy_gettext("The number of meetings and weeks must be whole numbers."),
    lazy_gettext("Choose a student."),
    lazy_gettext("Choose an exchange."),
    lazy_gettext("Only a registrar of this institution can do this."),
    lazy_gettext("Only registrars and administrators can do this."),
    lazy_gettext("The ELMO export is not valid against the ELMO 1.7.0 schema."),
    lazy_gettext("This institution is not known to Tandem."),
    lazy_gettext("A registrar must belong to the institution they keep records for."),
    lazy_gettext("Only an approved completion earns a credential."),
    lazy_gettext("This learner already holds a valid credential for this exchange."),
    lazy_gettext("Only the learner's own teacher or registrar can issue this credential."),
    lazy_gettext("Give a reason of 3 to 1000 characters for the revocation."),
    lazy_gettext("This credential is already revoked."),
    lazy_gettext("There is no credential with this id."),
    lazy_gettext("This institution does not issue credentials through Tandem."),
    lazy_gettext("There is no status list with this id."),
    lazy_gettext("The awarding institution has no country; an administrator must set it."),
    lazy_gettext("The learner has no email address to identify them in a credential."),
)
