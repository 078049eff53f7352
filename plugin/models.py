"""Every feature's models, imported so that ``Base.metadata`` is complete (Alembic, tests).

An explicit list on purpose: a new feature adds one line here, and grep finds it.
"""

from plugin.completion import models as completion
from plugin.courses import models as courses
from plugin.credentials import models as credentials
from plugin.db import Base
from plugin.exchanges import models as exchanges
from plugin.ledger import models as ledger
from plugin.matching import models as matching
from plugin.notifications import models as notifications
from plugin.people import models as people
from plugin.profiles import models as profiles
from plugin.reports import models as reports
from plugin.rooms import agreed_models as room_meetings
from plugin.rooms import attendance_models as room_calls
from plugin.rooms import models as rooms
from plugin.rooms import notes_models as room_notes
from plugin.teammates import models as teammates

__all__ = [
    "Base",
    "completion",
    "courses",
    "credentials",
    "exchanges",
    "ledger",
    "matching",
    "notifications",
    "people",
    "profiles",
    "reports",
    "room_calls",
    "room_meetings",
    "room_notes",
    "rooms",
    "teammates",
]
