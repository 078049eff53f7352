"""A team's room: who may enter it (access, cached per transaction), its members and meetings,
and the room SQL the chat write path shares. The features themselves are siblings:
plugin.chat, plugin.notes, plugin.tasks, plugin.calls (ARCHITECTURE.md, "Inside plugin/")."""
