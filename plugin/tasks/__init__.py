"""Tasks per phase in a team room."""
