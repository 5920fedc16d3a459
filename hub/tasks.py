"""Background tasks of the hub. Thin wrappers around services (run by `manage.py db_worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from hub import mail


@task(queue_name="email")
def deliver_email(payload: dict[str, Any]) -> int:
    return mail.deliver(payload)
