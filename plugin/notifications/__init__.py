"""Notifications: telling people what happened while they were away (in-app list and email)."""
