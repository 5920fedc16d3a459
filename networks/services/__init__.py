"""Writes of the networks app, one module per area (membership, forum, moderation, notifications, events)."""
