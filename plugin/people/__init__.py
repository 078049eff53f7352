"""People and the institutions they come from, independent of any protocol."""
