"""Gunicorn settings read from the working directory (``gunicorn wsgi:app`` finds this file).

The access log names the path without its query string: ``/lti/login`` carries the LMS user
id in ``login_hint`` and ``lti_message_hint``, and other URLs may carry tokens. The referrer is
left out for the same reason (an LMS page's URL names the course and often the user).
"""

access_log_format = '%(h)s %(l)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'

# Each open room is a websocket held by one greenlet for as long as the tab is open, and gevent's
# default pool of 1,000 is a hard cap per process: past it new sockets wait unanswered in the
# backlog (the soak's 2,000 students took 136 s to connect, and after one process was killed
# the other could not take its clients). Memory, not this pool, should be the limit.
worker_connections = 10000
