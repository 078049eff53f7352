"""The shared note of a team room: a CRDT document edited live, mirrored as plain text."""
