"""Pulse check-ins: three quick questions a team's members answer once a week."""
