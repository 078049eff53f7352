"""Gunicorn settings read from the working directory (``gunicorn wsgi:app`` finds this file).

The access log names the path without its query string: ``/lti/login`` carries the LMS user
id in ``login_hint`` and ``lti_message_hint``, and other URLs may carry tokens. The referrer is
left out for the same reason (an LMS page's URL names the course and often the user).
"""

access_log_format = '%(h)s %(l)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
