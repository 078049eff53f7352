"""Extensions created unbound; ``create_app`` binds them (no import-time side effects)."""

from flask_babel import Babel
from flask_socketio import SocketIO

socketio = SocketIO()
babel = Babel()
