"""Run one newsletter worker in the foreground: drain one issue's outbox (--issue), or every issue that is sending,
one after another, until nothing is left. The same loop the "newsletters" task queue runs; useful for operators, the
crash test and the benchmark. Stop it any way you like, even with SIGKILL: its lease runs out and another worker
finishes its rows."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from newsletters.models import Issue
from newsletters.services.dispatch import run_worker


class Command(BaseCommand):
    help = "Send newsletter deliveries in the foreground until the issue (or every sending issue) is done."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--issue", type=int, help="The issue's id (default: every issue that is sending).")
        parser.add_argument(
            "--max-wait", type=float, default=None,
            help="Seconds to wait for other workers' leases or retries before giving up "
                 "(default: NEWSLETTER_LEASE_SECONDS).",
        )

    def handle(self, *args, **options) -> None:
        if options["issue"] is not None:
            if not Issue.objects.filter(pk=options["issue"]).exists():
                raise CommandError(f"There is no issue {options['issue']}.")
            issue_ids = [options["issue"]]
        else:
            issue_ids = list(Issue.objects.filter(status=Issue.Status.SENDING).values_list("pk", flat=True))
        for issue_id in issue_ids:
            report = run_worker(issue_id=issue_id, max_wait_seconds=options["max_wait"])
            self.stdout.write(json.dumps({"issue": issue_id, **report.as_dict()}))
