"""Create or update provinces, municipalities and SALGA offices from hub/data/*.csv (idempotent)."""

from django.core.management.base import BaseCommand

from hub.services.organisations import load_reference_data


class Command(BaseCommand):
    help = "Load the 9 provinces, 257 municipalities and SALGA's offices (safe to run again)."

    def handle(self, *args, **options) -> None:
        counts = load_reference_data()
        self.stdout.write(
            f"Reference data: {counts.provinces} provinces, {counts.municipalities} municipalities, "
            f"{counts.salga_offices} SALGA offices."
        )
