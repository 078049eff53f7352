"""The Socket.IO adapter: team rooms, presence and token auth (built with the rooms issue).

Already wired: ``web.app`` binds ``web.extensions.socketio`` with Redis as the message queue
when ``TANDEM_REDIS_URL`` is set, so several worker processes share one set of rooms.
"""
