"""Views of the newsletters: subscribers (sign-up, confirm, manage, unsubscribe), publishing and the archive."""
