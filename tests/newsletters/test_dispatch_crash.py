"""THE crash test: a real worker process (manage.py run_newsletter_worker against the test database) is killed with
SIGKILL while it hands a message to a slow SMTP server; another worker then finishes the send. Every delivery is
checked: everyone received the issue, and the only message that went twice is the one in flight at the moment of
the kill, which is flagged possible_duplicate and counted by progress()."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from newsletters.models import Delivery, Issue
from newsletters.services import dispatch
from tests.newsletters.dispatch_support import dispatch_settings, make_issue, rendered  # noqa: F401 - fixtures
from tests.newsletters.smtp_server import smtp_server  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2


def database_url() -> str:
    """The test database as a DATABASE_URL, for the worker process."""
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "", safe="")
    password = (":" + urllib.parse.quote(db["PASSWORD"], safe="")) if db["PASSWORD"] else ""
    host = urllib.parse.quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def start_worker_process(issue_id: int, server, settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "1",
        "DATABASE_POOL": "0",
        "SITE_URL": settings.SITE_URL,
        "NEWSLETTER_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": server.host,
        "EMAIL_PORT": str(server.port),
        "NEWSLETTER_LEASE_SECONDS": str(LEASE_SECONDS),
        "NEWSLETTER_BATCH_SIZE": "5",
    }
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run_newsletter_worker", "--issue", str(issue_id)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def in_flight_and_received(issue: Issue, server) -> Delivery | None:
    """The delivery the worker is handing over right now, if the server has just recorded it (so the kill lands
    while the server holds the message and the worker has not heard back)."""
    row = Delivery.objects.filter(issue=issue, status=Delivery.Status.ATTEMPTING).first()
    if row is None or Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT).count() < 3:
        return None
    received = server.received_by(row.email)
    if received and time.monotonic() - received[-1].received_at < server.behaviour.delay / 2:
        return row
    return None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("dispatch_settings", "rendered")
def test_a_worker_killed_mid_send_loses_nobody_and_only_the_message_in_flight_can_go_twice(smtp_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "email", "newsletters"]}}  # this test runs the workers
    issue = make_issue(20)
    dispatch.start_send(issue=issue, acting_user=None)
    smtp_server.configure(delay=0.4)

    # Given a real worker process sending to a slow server
    worker = start_worker_process(issue.pk, smtp_server, settings)
    deadline = time.monotonic() + 60
    while in_flight_and_received(issue, smtp_server) is None:
        if worker.poll() is not None:
            pytest.fail(f"the worker process ended early: {worker.communicate()}")
        if time.monotonic() > deadline:
            worker.kill()
            pytest.fail("the worker never got going")
        time.sleep(0.01)

    # When it is killed mid-send
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL
    worker.stdout.close()
    worker.stderr.close()
    in_flight = list(Delivery.objects.filter(issue=issue, status=Delivery.Status.ATTEMPTING))
    held = set(Delivery.objects.filter(issue=issue, status=Delivery.Status.CLAIMED).values_list("pk", flat=True))
    sent_before = Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT).count()
    assert len(in_flight) == 1, "exactly the message in flight is identifiable after the crash"
    (in_flight,) = in_flight
    in_flight_received_before = len(smtp_server.received_by(in_flight.email))
    assert 3 <= sent_before < 20 and held  # it died with work in its hands

    # ...and another worker (this process) finishes the send once the dead worker's lease runs out
    smtp_server.configure(delay=0)
    report = dispatch.run_worker(issue_id=issue.pk)

    # Then every delivery is sent, and everyone received the issue
    deliveries = {d.email: d for d in Delivery.objects.filter(issue=issue)}
    assert {d.status for d in deliveries.values()} == {Delivery.Status.SENT}
    assert report.finished_issue and Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    received = Counter(address for message in smtp_server.messages for address in message.rcpt_tos)
    assert set(received) == set(deliveries)
    # the only duplicates are deliveries flagged possible_duplicate, and only the one in flight is flagged
    duplicated = {address for address, times in received.items() if times > 1}
    flagged = {address for address, delivery in deliveries.items() if delivery.possible_duplicate}
    assert duplicated <= flagged == {in_flight.email}
    assert received[in_flight.email] == in_flight_received_before + 1
    assert all(received[deliveries_email] == 1 for deliveries_email in deliveries if deliveries_email not in flagged)
    # the rows it held but had not begun were taken over without a flag
    assert not Delivery.objects.filter(pk__in=held, possible_duplicate=True).exists()
    # a duplicate carries the same Message-ID, so the receiving side can drop it
    message_ids = {m.message_id for m in smtp_server.received_by(in_flight.email)}
    assert message_ids == {in_flight.message_id}
    # and progress() shows the count of possible duplicates
    assert dispatch.progress(issue=Issue.objects.get(pk=issue.pk)).possible_duplicates == len(flagged) == 1
