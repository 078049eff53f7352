"""Tandem's domain: exchanges between universities, the people in them, their teams and rooms,
what counts as completing an exchange, and the credentials that prove it.

Two rules hold for every module here. Nothing imports Flask, Werkzeug, Socket.IO or an LTI
library (import-linter checks it), so the domain can be called from a test, a CLI or a worker.
Public use-case functions in ``<feature>/service.py`` commit their own work; nothing else does.
"""
