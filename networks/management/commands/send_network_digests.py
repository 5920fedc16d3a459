"""Send the networks' digest emails: `--daily` once a day, `--weekly` once a week (cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from networks.models import EmailFrequency
from networks.services.notifications import send_digests


class Command(BaseCommand):
    help = "Send daily or weekly digests of network notifications not yet emailed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--daily", action="store_true", help="Send the daily digests.")
        parser.add_argument("--weekly", action="store_true", help="Send the weekly digests.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["daily"] and not options["weekly"]:
            raise CommandError("Say --daily or --weekly (or both).")
        if options["daily"]:
            sent = send_digests(frequency=EmailFrequency.DAILY)
            self.stdout.write(f"Daily digests sent: {sent}")
        if options["weekly"]:
            sent = send_digests(frequency=EmailFrequency.WEEKLY)
            self.stdout.write(f"Weekly digests sent: {sent}")
