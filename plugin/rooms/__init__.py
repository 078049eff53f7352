"""Team rooms: durable chat, a shared note, tasks per phase and a video call per team."""
