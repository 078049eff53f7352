"""The LTI 1.3 adapter: checks LTI messages and turns them into calls on ``plugin``.

No domain decisions live here; pylti1p3 is confined to ``launch.py`` and ``platforms.py``.
"""

from flask import Blueprint

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")
