"""Send the weekly saved-search email digests. Run it once a week from cron or a systemd timer:

    0 6 * * 1  cd /srv/hub && .venv/bin/python manage.py send_saved_search_digests

Safe to run more often or twice: a search is emailed at most once a week, and only with resources published since
its previous email."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from resources.services import library


class Command(BaseCommand):
    help = "Email each saved search's weekly digest of new matching resources (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the work as a background task for the worker (manage.py db_worker) instead of doing it now.",
        )

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            from resources.digest_tasks import send_saved_search_digests

            result = send_saved_search_digests.enqueue()
            self.stdout.write(f"Queued the saved-search digest task ({result.id}).")
            return
        run = library.send_saved_search_digests()
        self.stdout.write(
            self.style.SUCCESS(f"Saved searches checked: {run.checked}; digests sent: {run.sent}.")
        )
