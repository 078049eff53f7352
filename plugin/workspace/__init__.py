"""What a team room shows on (re)joining, composed from the room features."""
