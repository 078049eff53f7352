"""Registrars: who may verify and export an institution's credentials."""
