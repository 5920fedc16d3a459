"""manage.py rebuild_search_index: recompute the stored search vector and "did you mean" text of every resource."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from resources.services.search import rebuild_search_index


class Command(BaseCommand):
    help = "Recompute the full-text search data of every resource (after a bulk load or a change of weighting)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Resources per UPDATE statement.")

    def handle(self, *args: Any, **options: Any) -> None:
        total = rebuild_search_index(batch_size=max(1, options["batch_size"]), stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Search data recomputed for {total} resources."))
