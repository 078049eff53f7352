"""Every feature's models, imported so that ``Base.metadata`` is complete (Alembic, tests).

An explicit list on purpose: a new feature adds one line here, and grep finds it.
"""

from plugin.courses import models as courses
from plugin.db import Base
from plugin.people import models as people

__all__ = ["Base", "courses", "people"]
