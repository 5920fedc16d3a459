"""Load reference data and demo content (idempotent) and print a demo log-in for each role."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub import registry
from hub.demo import DEMO_PASSWORD, seed_hub_demo


class Command(BaseCommand):
    help = "Load reference data and demo content (safe to run again) and print the demo log-ins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo accounts with a published password: never on a live site).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError("seed_demo creates accounts with a published password; it runs only with DJANGO_DEBUG=1.")
        logins = seed_hub_demo()
        for seeder in registry.demo_seeders():
            logins.extend(seeder.seed(self.stdout))
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
        self.stdout.write(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        width = max(len(label) for label, _ in logins)
        self.stdout.write(f"  {'Visitor'.ljust(width)}  (no log-in: just browse)")
        for label, email in logins:
            self.stdout.write(f"  {label.ljust(width)}  {email}")
