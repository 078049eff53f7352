"""Registrars: who they are, what they may see, and the exports they hand to the SIS."""
