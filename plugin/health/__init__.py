"""Team health: activity signals, a status per team, the teachers' dashboard and log."""
