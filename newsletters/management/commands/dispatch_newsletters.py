"""Start due scheduled newsletter issues and bring workers back to sends whose workers died. Run it every minute
from cron or a systemd timer:

    * * * * *  cd /srv/hub && .venv/bin/python manage.py dispatch_newsletters

Safe to run at any time and any number of times: an issue starts once, and a worker only ever takes deliveries
nobody holds."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from newsletters.services import dispatch


class Command(BaseCommand):
    help = "Start due scheduled newsletter issues and re-enqueue workers for stalled sends (run every minute)."

    def handle(self, *args, **options) -> None:
        report = dispatch.recover()
        self.stdout.write(
            f"Scheduled issues started: {len(report.started)}; stalled sends given workers: {len(report.resumed)}; "
            f"rows of cancelled issues closed: {report.tidied}."
        )
