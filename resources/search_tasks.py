"""Background work of search: refreshing the "did you mean" vocabulary after resources change."""

from __future__ import annotations

from django_tasks import task

from resources.services.search import refresh_search_vocabulary


@task()
def refresh_search_vocabulary_task(requested_at: float | None = None) -> None:
    """Recompute the "did you mean" vocabulary (seconds at 100,000 resources; readers are not blocked), unless a
    refresh already started after this one was asked for."""
    refresh_search_vocabulary(requested_at=requested_at)
