"""Completion: what a student must have done in an exchange, and their teacher's sign-off."""
