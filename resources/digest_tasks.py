"""The weekly saved-search email digest as a background task (run by `manage.py db_worker`).

Scheduling: django-tasks has no scheduler of its own, so a timer runs `manage.py send_saved_search_digests` once a
week (cron: `0 6 * * 1  cd /srv/hub && .venv/bin/python manage.py send_saved_search_digests --enqueue`, or a
systemd timer with `OnCalendar=Mon *-*-* 06:00`). With `--enqueue` the command only queues this task and the worker
does the work; without it the command sends the digests itself. Either way a second run in the same week sends
nothing again (see resources.services.library.send_saved_search_digests)."""

from __future__ import annotations

from django_tasks import task

from resources.services import library


@task()
def send_saved_search_digests() -> dict[str, int]:
    """Email every saved search's weekly digest that is due. Returns how many searches were checked and sent."""
    run = library.send_saved_search_digests()
    return {"checked": run.checked, "sent": run.sent}
