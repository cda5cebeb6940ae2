"""Notifications: channels (apprise URLs) and the sender that works through the outbox."""
