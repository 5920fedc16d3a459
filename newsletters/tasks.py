"""Background tasks of the newsletters (queue "newsletters"). Thin wrappers around newsletters.services.dispatch.

Run at least one worker on the queue (`manage.py db_worker --queue-name newsletters`); each send enqueues
NEWSLETTER_WORKERS_PER_SEND worker tasks, which run side by side when that many worker processes listen."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="newsletters")
def send_issue_task(issue_id: int) -> dict:
    """Drain an issue's outbox (one of possibly several workers). Returns the worker's figures."""
    from newsletters.services.dispatch import run_worker

    return run_worker(issue_id=issue_id).as_dict()


@task(queue_name="newsletters")
def start_scheduled_issue_task(issue_id: int) -> bool:
    """Start a scheduled issue when its time has come (queued with run_after; a no-op if it was unscheduled,
    moved later or already started). Returns whether it started."""
    from newsletters.services.dispatch import start_due_issue

    return start_due_issue(issue_id=issue_id)
