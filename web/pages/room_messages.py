"""Messages the rooms domain (plugin/rooms, team use cases) and the realtime adapter show to
people: listed here so that the catalogue extracts them (babel reads web/ only)."""

from flask_babel import lazy_gettext

ROOM_MESSAGES = (
    lazy_gettext("A due date must look like 2026-03-01."),
    lazy_gettext("A message can be at most 4000 characters."),
    lazy_gettext("A message cannot be empty."),
    lazy_gettext("A message needs a client id of 1 to 64 characters."),
    lazy_gettext("A person can be in only one team of an exchange."),
    lazy_gettext("A task can only be assigned to a member of the team."),
    lazy_gettext("A task is open, doing or done."),
    lazy_gettext("A task title must be 1 to 200 characters."),
    lazy_gettext("A team name must be 1 to 80 characters."),
    lazy_gettext("Give a reason of 1 to 500 characters for hiding a message."),
    lazy_gettext("Only teachers of this exchange can change its teams."),
    lazy_gettext("Only teachers of this exchange can moderate a room."),
    lazy_gettext("Only teachers of this exchange can see all its teams."),
    lazy_gettext("Open the room from Tandem to connect."),
    lazy_gettext("Reconnect to the room first."),
    lazy_gettext("Something went wrong; please try again."),
    lazy_gettext("Teachers observe this room; only team members can write in it."),
    lazy_gettext("The note can be at most 100000 characters."),
    lazy_gettext("The request was not understood."),
    lazy_gettext("This exchange does not exist."),
    lazy_gettext("This message does not exist."),
    lazy_gettext("This message was removed and can no longer be changed."),
    lazy_gettext("This person is not in the team."),
    lazy_gettext("This phase is not part of the exchange."),
    lazy_gettext("This room does not exist or is not yours."),
    lazy_gettext("This room link is not valid."),
    lazy_gettext("This task does not exist."),
    lazy_gettext("This team does not exist."),
    lazy_gettext("You are no longer a member of this team."),
    lazy_gettext("You are sending messages too fast; wait a moment."),
    lazy_gettext("You can only change your own messages."),
    lazy_gettext("Your room link has expired; reload the page."),
)
