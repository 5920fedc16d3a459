"""Cron entry point: `manage.py send_event_reminders` (hourly). Idempotent: each event is reminded once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from networks.services.events import send_event_reminders


class Command(BaseCommand):
    help = "Email reminders to people registered for events starting within the next 24 hours (once per event)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = send_event_reminders()
        self.stdout.write(f"Reminders sent for {count} event(s).")
