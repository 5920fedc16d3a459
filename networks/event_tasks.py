"""Background tasks of learning events (run by `manage.py db_worker`). Thin wrappers around services."""

from __future__ import annotations

from django_tasks import task

from networks.services import events as event_services


@task()
def send_event_reminders_task() -> int:
    """Email everyone registered for an event that starts within the next day (once per event)."""
    return event_services.send_event_reminders()
