"""Every feature's models, imported so that ``Base.metadata`` is complete (Alembic, tests).

An explicit list on purpose: a new feature adds one line here, and grep finds it.
"""

from plugin.calls import models as calls
from plugin.chat import models as chat
from plugin.checkins import models as checkins
from plugin.completion import models as completion
from plugin.courses import models as courses
from plugin.credentials import models as credentials
from plugin.db import Base
from plugin.exchanges import models as exchanges
from plugin.health import models as health
from plugin.issuers import models as issuers
from plugin.ledger import models as ledger
from plugin.matching import models as matching
from plugin.notes import models as notes
from plugin.notifications import models as notifications
from plugin.pathways import models as pathways
from plugin.peer import models as peer
from plugin.people import models as people
from plugin.profiles import models as profiles
from plugin.registrars import models as registrars
from plugin.rooms import agreed_models as room_meetings
from plugin.rooms import models as rooms
from plugin.tasks import models as tasks
from plugin.teammates import models as teammates
from plugin.teams import models as teams
from plugin.wallet import models as wallet

__all__ = [
    "Base",
    "calls",
    "chat",
    "checkins",
    "completion",
    "courses",
    "credentials",
    "exchanges",
    "health",
    "issuers",
    "ledger",
    "matching",
    "notes",
    "notifications",
    "pathways",
    "peer",
    "people",
    "profiles",
    "registrars",
    "room_meetings",
    "rooms",
    "tasks",
    "teammates",
    "teams",
    "wallet",
]
