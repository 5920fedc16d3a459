"""Dispatch over real SMTP (an aiosmtpd server on loopback, tests/newsletters/smtp_server.py): the headers and
parts every message carries, permanent and temporary failures, a server that drops the connection mid-batch, the
rate cap, pause and cancel while a worker sends, and leases of a dead worker taken over."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from newsletters.models import Delivery, Issue
from newsletters.services import dispatch
from newsletters.tokens import read_unsubscribe_token
from tests.newsletters.dispatch_support import (  # noqa: F401 - fixtures
    dispatch_settings, make_issue, rendered, statuses,
)
from tests.newsletters.smtp_server import smtp_server  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("dispatch_settings", "rendered")


def started(subscribers: int, **issue_fields) -> Issue:
    issue = make_issue(subscribers, **issue_fields)
    dispatch.start_send(issue=issue, acting_user=None)
    return issue


def addresses(issue: Issue) -> list[str]:
    return list(Delivery.objects.filter(issue=issue).order_by("id").values_list("email", flat=True))


@pytest.mark.django_db
def test_every_message_carries_its_headers_links_and_both_parts(smtp_server):
    issue = started(2)
    newsletter = issue.newsletter

    report = dispatch.run_worker(issue_id=issue.pk)

    assert report.sent == 2
    assert len(smtp_server.messages) == 2
    for delivery in Delivery.objects.filter(issue=issue).select_related("subscription"):
        (received,) = smtp_server.received_by(delivery.email)
        message = received.message
        assert received.rcpt_tos == (delivery.email,)
        assert str(message["Message-ID"]).strip() == delivery.message_id == received.message_id
        assert message["List-Id"] == newsletter.list_id
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = str(message["List-Unsubscribe"]).strip()  # long, so folded onto its own line
        assert link.startswith("<https://hub.example.org/newsletters/unsubscribe/") and link.endswith(">")
        claim = read_unsubscribe_token(link[1:-1].rstrip("/").rsplit("/", 1)[-1])
        assert claim.subscription == delivery.subscription and claim.issue_id == issue.pk
        assert message["From"] == f"{newsletter.sender_name} <{newsletter.sender_email}>"
        assert message["Reply-To"] == newsletter.reply_to
        assert message["Subject"] == issue.subject
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        for part in (text, html):
            assert "[[unsubscribe_url]]" not in part and "[[manage_url]]" not in part
            assert link[1:-1] in part
            assert "https://hub.example.org/newsletters/preferences/" in part
        assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1 and delivery.sent_at
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT and issue.sent_at is not None


@pytest.mark.django_db
def test_the_real_renderer_footer_links_are_personalised(smtp_server, monkeypatch):
    monkeypatch.undo()  # the real renderer, not the fixed page
    issue = started(1)
    dispatch.run_worker(issue_id=issue.pk)
    (received,) = smtp_server.messages
    html = received.message.get_body(preferencelist=("html",)).get_content()
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    for part in (html, text):
        assert "[[" not in part
        assert "/newsletters/unsubscribe/" in part and "/newsletters/preferences/" in part


@pytest.mark.django_db
def test_a_recipient_the_server_refuses_is_recorded_failed_and_the_rest_go(smtp_server):
    issue = started(4)
    refused = addresses(issue)[1]
    smtp_server.configure(refuse=[refused])

    report = dispatch.run_worker(issue_id=issue.pk)

    assert report.sent == 3 and report.failed == 1
    failed = Delivery.objects.get(issue=issue, email=refused)
    assert failed.status == Delivery.Status.FAILED and failed.attempts == 1
    assert failed.last_error.startswith("550")
    assert smtp_server.received_by(refused) == []
    assert sorted(a for m in smtp_server.messages for a in m.rcpt_tos) == sorted(set(addresses(issue)) - {refused})
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


@pytest.mark.django_db
def test_a_temporary_failure_is_retried_after_a_backoff(smtp_server, settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    issue = started(3)
    deferred = addresses(issue)[0]
    smtp_server.configure(temporary={deferred: 1})

    dispatch.run_worker(issue_id=issue.pk, max_wait_seconds=0)

    row = Delivery.objects.get(issue=issue, email=deferred)
    assert row.status == Delivery.Status.QUEUED and row.attempts == 1 and row.last_error.startswith("451")
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXTRACT(EPOCH FROM next_attempt_at - now()) FROM newsletters_delivery WHERE id = %s",
                       [row.pk])
        assert 59 <= float(cursor.fetchone()[0]) <= 60
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENDING
    assert statuses(issue) == {"sent": 2, "queued": 1}

    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(days=1))  # time passes
    dispatch.run_worker(issue_id=issue.pk, max_wait_seconds=0)

    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT and row.attempts == 2 and row.last_error == ""
    assert len(smtp_server.received_by(deferred)) == 1
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


@pytest.mark.django_db
def test_backoff_doubles_with_each_attempt(smtp_server, settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 10
    issue = started(1)
    (address,) = addresses(issue)
    smtp_server.configure(temporary={address: -1})
    waits = []
    for _attempt in range(3):
        Delivery.objects.filter(issue=issue).update(next_attempt_at=timezone.now() - timedelta(days=1))
        dispatch.run_worker(issue_id=issue.pk, max_wait_seconds=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXTRACT(EPOCH FROM next_attempt_at - now()) FROM newsletters_delivery "
                           "WHERE issue_id = %s", [issue.pk])
            waits.append(round(float(cursor.fetchone()[0])))
    assert waits == [10, 20, 40]


@pytest.mark.django_db
def test_a_temporary_failure_gives_up_after_the_last_attempt(smtp_server, settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0
    settings.NEWSLETTER_MAX_ATTEMPTS = 3
    issue = started(2)
    stuck = addresses(issue)[1]
    smtp_server.configure(temporary={stuck: -1})

    dispatch.run_worker(issue_id=issue.pk)

    row = Delivery.objects.get(issue=issue, email=stuck)
    assert row.status == Delivery.Status.FAILED and row.attempts == 3 and row.last_error.startswith("451")
    assert smtp_server.deferred == 3
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


@pytest.mark.django_db
def test_a_server_dropping_the_connection_mid_batch_loses_and_doubles_nothing(smtp_server):
    issue = started(12)
    smtp_server.configure(drop_every=4)

    report = dispatch.run_worker(issue_id=issue.pk)

    assert smtp_server.drops >= 2  # it really dropped us, more than once
    received = Counter(a for m in smtp_server.messages for a in m.rcpt_tos)
    assert received == Counter(addresses(issue))  # everyone, exactly once
    assert statuses(issue) == {"sent": 12}
    assert report.sent == 12 and report.retried == 0
    assert not Delivery.objects.filter(issue=issue, possible_duplicate=True).exists()


@pytest.mark.django_db
def test_an_unreachable_server_defers_the_batch_without_failing_anyone(settings):
    from tests.newsletters.smtp_server import free_port

    settings.NEWSLETTER_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    issue = started(5)

    report = dispatch.run_worker(issue_id=issue.pk, max_wait_seconds=0)

    assert report.sent == 0 and report.failed == 0 and report.retried == 1
    assert statuses(issue) == {"queued": 5}
    assert Delivery.objects.filter(issue=issue, attempts=1).count() == 1  # only the one tried counts an attempt
    assert not Delivery.objects.filter(issue=issue, next_attempt_at__lte=timezone.now()).exists()
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENDING


# ---------------------------------------------------------------------- with workers in threads (committed rows)


@pytest.fixture
def workers_not_run_on_commit(settings):
    """Rows are committed in these tests, so the immediate task backend would run the workers as soon as a send
    starts; the dummy backend only records them and the test runs its own."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "email", "newsletters"]}}


def in_thread(target, **kwargs) -> tuple[threading.Thread, dict]:
    """Run target(**kwargs) in a thread with its own database connection; the result lands in the dict."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = target(**kwargs)
        except BaseException as error:  # noqa: BLE001 - re-raised by the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def wait_for(condition, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition was not reached in time")
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("workers_not_run_on_commit")
def test_the_rate_cap_holds_across_two_workers(smtp_server, settings):
    settings.NEWSLETTER_RATE_PER_SECOND = 4
    issue = started(10)
    settings.NEWSLETTER_BATCH_SIZE = 3  # so both workers get rows
    first, first_outcome = in_thread(dispatch.run_worker, issue_id=issue.pk)
    second, second_outcome = in_thread(dispatch.run_worker, issue_id=issue.pk)
    first.join(60)
    second.join(60)
    assert "error" not in first_outcome and "error" not in second_outcome
    assert first_outcome["result"].sent > 0 and second_outcome["result"].sent > 0

    times = sorted(m.received_at for m in smtp_server.messages)
    assert len(times) == 10
    # 10 messages at 4 a second take three one-second windows: the last can start no sooner than 2 s after the
    # first window opened. (A lower bound only: a slow machine can only make it longer.)
    assert times[-1] - times[0] >= 1.8
    # No second holds more than two windows' worth.
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 8


def sending_slowly(server) -> tuple[Issue, threading.Thread, dict]:
    """An issue of 30 that a worker (in a thread) is sending to a slow server, three messages in."""
    issue = started(30)
    server.configure(delay=0.05)
    worker, outcome = in_thread(dispatch.run_worker, issue_id=issue.pk)
    wait_for(lambda: len(server.messages) >= 3)
    return issue, worker, outcome


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("workers_not_run_on_commit")
def test_pause_takes_effect_while_a_worker_sends_and_resume_finishes(smtp_server):
    issue, worker, outcome = sending_slowly(smtp_server)

    dispatch.pause_send(issue=issue, acting_user=None)
    worker.join(10)

    assert not worker.is_alive() and "error" not in outcome
    assert outcome["result"].stopped_because == "issue paused"
    counts = statuses(issue)
    assert set(counts) == {"sent", "queued"} and counts["sent"] < 30
    assert Counter(a for m in smtp_server.messages for a in m.rcpt_tos) == Counter(
        Delivery.objects.filter(issue=issue, status="sent").values_list("email", flat=True)
    )  # what went out is exactly what is marked sent, the message in flight included

    smtp_server.configure(delay=0)
    dispatch.resume_send(issue=issue, acting_user=None)
    dispatch.run_worker(issue_id=issue.pk)

    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert Counter(a for m in smtp_server.messages for a in m.rcpt_tos) == Counter(addresses(issue))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("workers_not_run_on_commit")
def test_cancel_takes_effect_while_a_worker_sends(smtp_server):
    issue, worker, outcome = sending_slowly(smtp_server)

    dispatch.cancel_send(issue=issue, acting_user=None)
    worker.join(10)

    assert not worker.is_alive() and "error" not in outcome
    counts = statuses(issue)
    assert set(counts) == {"sent", "cancelled"}
    sent = list(Delivery.objects.filter(issue=issue, status="sent").values_list("email", flat=True))
    assert sorted(a for m in smtp_server.messages for a in m.rcpt_tos) == sorted(sent)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.CANCELLED
    assert dispatch.progress(issue=Issue.objects.get(pk=issue.pk)).remaining == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("workers_not_run_on_commit")
def test_a_dead_workers_rows_are_taken_over_when_its_lease_runs_out(smtp_server):
    issue = started(6)
    rows = list(Delivery.objects.filter(issue=issue).order_by("id"))
    dead_token = "7d5c6e1e-0000-4000-8000-0000000000de"
    with connection.cursor() as cursor:  # a worker that died: one row in flight, two claimed, lease 2 s
        cursor.execute(
            "UPDATE newsletters_delivery SET status = CASE WHEN id = %s THEN 'attempting' ELSE 'claimed' END, "
            "attempts = CASE WHEN id = %s THEN 1 ELSE 0 END, "
            "lease_token = %s, lease_expires_at = now() + interval '2 seconds' WHERE id = ANY(%s)",
            [rows[0].pk, rows[0].pk, dead_token, [r.pk for r in rows[:3]]],
        )

    report = dispatch.run_worker(issue_id=issue.pk)  # takes the free rows, then waits for the lease

    assert report.sent == 6 and report.finished_issue
    assert statuses(issue) == {"sent": 6}
    flagged = list(Delivery.objects.filter(issue=issue, possible_duplicate=True).values_list("pk", flat=True))
    assert flagged == [rows[0].pk]  # only the one that was in flight may have gone twice
    assert Delivery.objects.get(pk=rows[0].pk).attempts == 2
    assert dispatch.progress(issue=Issue.objects.get(pk=issue.pk)).possible_duplicates == 1


@pytest.mark.django_db
def test_a_worker_does_not_wait_for_a_lease_further_away_than_it_may_wait(smtp_server):
    issue = started(3)
    first = Delivery.objects.filter(issue=issue).order_by("id").first()
    Delivery.objects.filter(pk=first.pk).update(
        status="claimed", lease_token="7d5c6e1e-0000-4000-8000-0000000000aa",
        lease_expires_at=timezone.now() + timedelta(minutes=10),
    )
    report = dispatch.run_worker(issue_id=issue.pk, max_wait_seconds=1)
    assert report.sent == 2 and not report.finished_issue
    assert Delivery.objects.get(pk=first.pk).status == "claimed"
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENDING
