"""Team chat: durable lines, edits, moderation, catch-up; sends stored by a group commit."""
