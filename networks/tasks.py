"""Background tasks of the networks: notification fan-out and digests. Thin wrappers around services."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="default")
def notify_post_task(post_id: int) -> int:
    """Fan a new post (topic opener or reply) out to the people who should hear of it. Returns notifications made."""
    from networks.services.notifications import notify_post

    return notify_post(post_id=post_id)


@task(queue_name="default")
def send_daily_digests_task() -> int:
    """Send the daily digest emails (schedule once a day). Returns the number of emails sent."""
    from networks.services.notifications import send_digests
    from networks.models import EmailFrequency

    return send_digests(frequency=EmailFrequency.DAILY)


@task(queue_name="default")
def send_weekly_digests_task() -> int:
    """Send the weekly digest emails (schedule once a week). Returns the number of emails sent."""
    from networks.services.notifications import send_digests
    from networks.models import EmailFrequency

    return send_digests(frequency=EmailFrequency.WEEKLY)
