"""LMS rosters synchronised into courses (memberships), exchanges and teams."""
