"""Courses as the LMSs know them, and who is in them. Exchanges (later) link courses together."""
