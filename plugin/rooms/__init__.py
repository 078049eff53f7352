"""A team's room: who may enter it (access, cached per transaction), its members, meetings and
digest, and the chat SQL every room feature shares. The features themselves are siblings:
plugin.chat, plugin.notes, plugin.tasks, plugin.calls (ARCHITECTURE.md, "Inside plugin/")."""
