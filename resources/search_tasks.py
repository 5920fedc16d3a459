"""Background work of search: refreshing the "did you mean" vocabulary after resources change."""

from __future__ import annotations

from django_tasks import task

from resources.services.search import refresh_search_vocabulary


@task()
def refresh_search_vocabulary_task() -> None:
    """Recompute the "did you mean" vocabulary (a few seconds at 100,000 resources; readers are not blocked)."""
    refresh_search_vocabulary()
