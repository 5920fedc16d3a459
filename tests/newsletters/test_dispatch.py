"""Dispatch services: the outbox, refusals, pause/resume/cancel, scheduling, the test send, progress, the rate
bucket, recovery. Mail goes to Django's locmem outbox here; test_dispatch_smtp.py uses a real SMTP server."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.models import AuditEntry
from newsletters.models import Delivery, Issue, SendRateBucket, Subscription, Suppression, email_hash
from newsletters.services import dispatch
from newsletters.services.dispatch import SendRefused
from tests.newsletters.dispatch_support import (  # noqa: F401 - fixtures
    RENDERED_HTML, dispatch_settings, make_issue, rendered, statuses,
)
from tests.newsletters.factories import SubscriptionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatch_settings", "rendered")]


@pytest.fixture
def publisher(user_for_role):
    return user_for_role("newsletter_publisher")


# ------------------------------------------------------------------------------------------------------ outbox


def test_outbox_has_one_delivery_per_confirmed_subscriber_minus_unsubscribed_pending_and_suppressed(publisher):
    issue = make_issue(3)
    newsletter = issue.newsletter
    SubscriptionFactory(newsletter=newsletter, status=Subscription.Status.UNSUBSCRIBED)
    SubscriptionFactory(newsletter=newsletter, status=Subscription.Status.PENDING, consent=False)
    SubscriptionFactory(newsletter=newsletter, status=Subscription.Status.BOUNCED)
    suppressed = SubscriptionFactory(newsletter=newsletter)
    Suppression.objects.create(email_hash=email_hash(suppressed.subscriber.email.upper()), reason="complained")
    SubscriptionFactory()  # someone on another list

    count = dispatch.start_send(issue=issue, acting_user=publisher)

    expected = set(
        Subscription.objects.filter(newsletter=newsletter, status=Subscription.Status.SUBSCRIBED)
        .exclude(pk=suppressed.pk).values_list("subscriber__email", flat=True)
    )
    deliveries = Delivery.objects.filter(issue=issue)
    assert count == 3
    assert {d.email for d in deliveries} == expected
    assert all(d.status == Delivery.Status.QUEUED and d.subscription.newsletter_id == newsletter.pk for d in deliveries)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    assert issue.recipient_count == 3
    assert issue.rendered_html == RENDERED_HTML
    assert issue.started_by == publisher and issue.send_started_at is not None
    assert AuditEntry.objects.filter(action=dispatch.ACTION_SEND_STARTED, target_id=str(issue.pk)).exists()


def test_outbox_is_written_with_one_insert_statement(publisher):
    issue = make_issue(25)
    with CaptureQueriesContext(connection) as queries:
        dispatch.start_send(issue=issue, acting_user=publisher)
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO newsletters_delivery" in q["sql"]]
    assert len(inserts) == 1
    assert "SELECT" in inserts[0] and "ON CONFLICT" in inserts[0]
    assert Delivery.objects.filter(issue=issue).count() == 25


def test_outbox_follows_the_issue_audience_filter(publisher):
    from hub.models import Province

    issue = make_issue(2)
    province = Province.objects.first()
    chosen = SubscriptionFactory(newsletter=issue.newsletter, subscriber__province=province)
    issue.audience_filter = {"provinces": [province.pk]}
    issue.save()
    dispatch.start_send(issue=issue, acting_user=publisher)
    assert list(Delivery.objects.filter(issue=issue).values_list("subscriber_id", flat=True)) == [
        chosen.subscriber_id
    ]


def test_a_delivery_is_unique_per_issue_and_subscriber(publisher):
    issue = make_issue(1)
    dispatch.start_send(issue=issue, acting_user=publisher)
    delivery = Delivery.objects.get(issue=issue)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(issue=issue, subscriber=delivery.subscriber, email=delivery.email)


def test_sending_twice_is_refused_and_changes_nothing(publisher):
    issue = make_issue(2)
    dispatch.start_send(issue=issue, acting_user=publisher)
    with pytest.raises(SendRefused):
        dispatch.start_send(issue=issue, acting_user=publisher)
    stale_copy = Issue.objects.get(pk=issue.pk)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.DRAFT)  # even if the status were wrong
    with pytest.raises(SendRefused, match="already been sent"):
        dispatch.start_send(issue=stale_copy, acting_user=publisher)
    assert Delivery.objects.filter(issue=issue).count() == 2


@pytest.mark.parametrize("status", [Issue.Status.SENDING, Issue.Status.PAUSED, Issue.Status.SENT,
                                    Issue.Status.CANCELLED])
def test_only_a_draft_or_scheduled_issue_can_be_sent(publisher, status):
    issue = make_issue(1, status=status)
    with pytest.raises(SendRefused):
        dispatch.start_send(issue=issue, acting_user=publisher)
    assert not Delivery.objects.filter(issue=issue).exists()


def test_editing_an_issue_while_it_sends_is_refused(publisher):
    from newsletters.services.issues import IssueError, update_issue

    issue = make_issue(1)
    dispatch.start_send(issue=issue, acting_user=publisher)
    assert not issue.is_editable
    with pytest.raises(IssueError):
        update_issue(issue=issue, acting_user=publisher, subject="Changed while sending")
    assert Issue.objects.get(pk=issue.pk).subject != "Changed while sending"


def test_refused_when_nobody_would_receive_it(publisher):
    issue = make_issue(0)
    SubscriptionFactory(newsletter=issue.newsletter, status=Subscription.Status.UNSUBSCRIBED)
    with pytest.raises(SendRefused, match="Nobody"):
        dispatch.start_send(issue=issue, acting_user=publisher)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and not issue.rendered_html


def test_refused_when_the_rendering_has_no_unsubscribe_link(publisher, monkeypatch):
    import newsletters.rendering

    monkeypatch.setattr(newsletters.rendering, "render_issue", lambda *, issue: ("<p>Hi</p>", "Hi"))
    issue = make_issue(1)
    with pytest.raises(SendRefused, match="unsubscribe"):
        dispatch.start_send(issue=issue, acting_user=publisher)
    assert not Delivery.objects.filter(issue=issue).exists()


def test_refused_without_approval_when_approval_is_required(publisher, settings):
    settings.NEWSLETTER_REQUIRE_APPROVAL = True
    issue = make_issue(1)
    with pytest.raises(SendRefused, match="approval"):
        dispatch.start_send(issue=issue, acting_user=publisher)
    Issue.objects.filter(pk=issue.pk).update(approved_at=timezone.now())
    issue.refresh_from_db()
    assert dispatch.start_send(issue=issue, acting_user=publisher) == 1


def test_workers_are_enqueued_after_commit_and_send_everything(publisher, django_capture_on_commit_callbacks):
    issue = make_issue(3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatch.start_send(issue=issue, acting_user=publisher)
    assert len(callbacks) == 1
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT and issue.sent_at is not None
    assert statuses(issue) == {"sent": 3}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(Delivery.objects.filter(issue=issue)
                                                           .values_list("email", flat=True))


def test_nothing_is_enqueued_when_the_start_rolls_back(publisher, django_capture_on_commit_callbacks):
    issue = make_issue(2)
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            dispatch.start_send(issue=issue, acting_user=publisher)
            raise RuntimeError("the view failed after starting")
    assert callbacks == []
    assert not Delivery.objects.filter(issue=issue).exists()


# -------------------------------------------------------------------------------------------- while it sends


def test_a_subscriber_who_leaves_after_the_outbox_is_written_is_not_mailed(publisher):
    issue = make_issue(3)
    dispatch.start_send(issue=issue, acting_user=publisher)
    leaving, erased, suppressed = Delivery.objects.filter(issue=issue).select_related("subscription")
    Subscription.objects.filter(pk=leaving.subscription_id).update(status=Subscription.Status.UNSUBSCRIBED)
    erased.subscription.subscriber.delete()
    Suppression.objects.create(email_hash=email_hash(suppressed.email), reason="bounced")

    report = dispatch.run_worker(issue_id=issue.pk)

    assert mail.outbox == []
    assert report.skipped == 3
    assert statuses(issue) == {"cancelled": 3}
    assert "No longer subscribed (unsubscribed)" in Delivery.objects.get(pk=leaving.pk).last_error
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_pause_hands_claimed_rows_back_and_stops_workers(publisher):
    issue = make_issue(4)
    dispatch.start_send(issue=issue, acting_user=publisher)
    first = Delivery.objects.filter(issue=issue).order_by("id").first()
    Delivery.objects.filter(issue=issue).exclude(pk=first.pk).update(
        status=Delivery.Status.CLAIMED, lease_token="7d5c6e1e-0000-4000-8000-000000000001",
        lease_expires_at=timezone.now() + timedelta(minutes=2),
    )

    dispatch.pause_send(issue=issue, acting_user=publisher)

    assert issue.status == Issue.Status.PAUSED
    assert statuses(issue) == {"queued": 4}
    assert not Delivery.objects.filter(issue=issue, lease_token__isnull=False).exists()
    report = dispatch.run_worker(issue_id=issue.pk)
    assert report.sent == 0 and mail.outbox == []
    with pytest.raises(SendRefused):
        dispatch.pause_send(issue=issue, acting_user=publisher)


def test_resume_enqueues_workers_that_finish_the_send(publisher, django_capture_on_commit_callbacks):
    issue = make_issue(3)
    dispatch.start_send(issue=issue, acting_user=publisher)
    dispatch.pause_send(issue=issue, acting_user=publisher)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.resume_send(issue=issue, acting_user=publisher)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert len(mail.outbox) == 3
    with pytest.raises(SendRefused):
        dispatch.resume_send(issue=issue, acting_user=publisher)


def test_cancel_marks_everything_not_begun_as_cancelled(publisher):
    issue = make_issue(4)
    dispatch.start_send(issue=issue, acting_user=publisher)
    rows = list(Delivery.objects.filter(issue=issue).order_by("id"))
    Delivery.objects.filter(pk=rows[0].pk).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    Delivery.objects.filter(pk=rows[1].pk).update(
        status=Delivery.Status.CLAIMED, lease_token="7d5c6e1e-0000-4000-8000-000000000002",
        lease_expires_at=timezone.now() + timedelta(minutes=2),
    )
    Delivery.objects.filter(pk=rows[2].pk).update(  # in flight with a live worker: that worker records it
        status=Delivery.Status.ATTEMPTING, lease_token="7d5c6e1e-0000-4000-8000-000000000002",
        lease_expires_at=timezone.now() + timedelta(minutes=2),
    )

    dispatch.cancel_send(issue=issue, acting_user=publisher)

    assert statuses(issue) == {"sent": 1, "cancelled": 2, "attempting": 1}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.CANCELLED
    assert dispatch.run_worker(issue_id=issue.pk).sent == 0
    assert AuditEntry.objects.filter(action=dispatch.ACTION_CANCELLED).count() == 1
    with pytest.raises(SendRefused):
        dispatch.cancel_send(issue=issue, acting_user=publisher)


def test_a_draft_cannot_be_paused_resumed_or_cancelled(publisher):
    issue = make_issue(1)
    for control in (dispatch.pause_send, dispatch.resume_send, dispatch.cancel_send, dispatch.unschedule):
        with pytest.raises(SendRefused):
            control(issue=issue, acting_user=publisher)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT


# ------------------------------------------------------------------------------------------------- scheduling


def test_schedule_reads_a_naive_time_in_johannesburg_and_the_scheduler_starts_it_when_due(
    publisher, django_capture_on_commit_callbacks
):
    issue = make_issue(2)
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(tzinfo=None, hour=9, minute=30, second=0,
                                                                  microsecond=0)
    dispatch.schedule_send(issue=issue, when=tomorrow, acting_user=publisher)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    local = timezone.localtime(issue.scheduled_at, dispatch.SHOWN_ZONE)
    assert (local.hour, local.minute) == (9, 30) and local.utcoffset() == timedelta(hours=2)

    assert dispatch.recover().started == []  # not due yet
    Issue.objects.filter(pk=issue.pk).update(scheduled_at=timezone.now() - timedelta(seconds=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.recover().started == [issue.pk]
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT  # the immediate task backend ran the workers after commit
    assert len(mail.outbox) == 2


def test_schedule_in_the_past_is_refused(publisher):
    issue = make_issue(1)
    with pytest.raises(SendRefused, match="future"):
        dispatch.schedule_send(issue=issue, when=timezone.now() - timedelta(minutes=1), acting_user=publisher)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT


def test_unschedule_returns_the_issue_to_draft(publisher):
    issue = make_issue(1)
    dispatch.schedule_send(issue=issue, when=timezone.now() + timedelta(hours=1), acting_user=publisher)
    dispatch.unschedule(issue=issue, acting_user=publisher)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and issue.scheduled_at is None
    assert dispatch.start_due_issue(issue_id=issue.pk) is False


def test_a_scheduled_issue_that_can_no_longer_be_sent_goes_back_to_draft(publisher):
    issue = make_issue(1)
    dispatch.schedule_send(issue=issue, when=timezone.now() + timedelta(hours=1), acting_user=publisher)
    Subscription.objects.filter(newsletter=issue.newsletter).update(status=Subscription.Status.UNSUBSCRIBED)
    Issue.objects.filter(pk=issue.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))

    assert dispatch.start_due_issue(issue_id=issue.pk) is False

    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT
    entry = AuditEntry.objects.get(action=dispatch.ACTION_SCHEDULED_SEND_FAILED)
    assert "Nobody" in entry.summary


def test_the_publisher_is_emailed_when_a_scheduled_issue_does_not_go_out(
    publisher, django_capture_on_commit_callbacks
):
    """Given a scheduled issue whose audience has gone, when its time comes, then whoever scheduled it is told by
    email why it did not go out and where to fix it; nobody else is mailed."""
    issue = make_issue(1)
    dispatch.schedule_send(issue=issue, when=timezone.now() + timedelta(hours=1), acting_user=publisher)
    Subscription.objects.filter(newsletter=issue.newsletter).update(status=Subscription.Status.UNSUBSCRIBED)
    Issue.objects.filter(pk=issue.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.start_due_issue(issue_id=issue.pk) is False

    notices = [message for message in mail.outbox if message.subject.startswith("Not sent")]
    assert len(notices) == 1
    assert publisher.email in notices[0].to
    assert f"/newsletters/manage/issues/{issue.pk}/" in notices[0].body and "Nobody" in notices[0].body
    # a second run finds nothing to revert and tells nobody again
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch.start_due_issue(issue_id=issue.pk) is False
    assert mail.outbox == []


def test_scheduled_start_task_is_deferred_when_the_backend_supports_it(
    publisher, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "email", "newsletters"]}}
    from newsletters.tasks import start_scheduled_issue_task

    backend = start_scheduled_issue_task.get_backend()  # defers like the database backend, and keeps what it got
    when = timezone.now() + timedelta(hours=2)
    issue = make_issue(1)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.schedule_send(issue=issue, when=when, acting_user=publisher)
    queued = [r for r in backend.results if r.task.func == start_scheduled_issue_task.func]
    assert len(queued) == 1 and queued[0].task.run_after == when and queued[0].kwargs == {"issue_id": issue.pk}


# ----------------------------------------------------------------------------------------------------- test send


def test_send_test_goes_to_the_given_addresses_only_and_records_no_delivery(publisher):
    issue = make_issue(2)
    member = SubscriptionFactory(newsletter=issue.newsletter)
    dispatch.send_test(issue=issue, addresses=["Editor@Example.org", member.subscriber.email, "editor@example.org"],
                       acting_user=publisher)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["editor@example.org", member.subscriber.email])
    assert all(m.subject.startswith("[Test] ") for m in mail.outbox)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "List-Unsubscribe" not in by_address["editor@example.org"].extra_headers
    assert "[[unsubscribe_url]]" not in by_address["editor@example.org"].body
    assert by_address[member.subscriber.email].extra_headers["List-Unsubscribe"].startswith(
        "<https://hub.example.org/newsletters/unsubscribe/")
    assert not Delivery.objects.exists()
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT
    assert AuditEntry.objects.filter(action=dispatch.ACTION_TEST_SENT).count() == 1


@pytest.mark.parametrize("addresses", [["not an address"], [], ["a@example.org\r\nBcc: x@example.org"],
                                       [f"p{n}@example.org" for n in range(11)]])
def test_send_test_refuses_bad_addresses_and_sends_nothing(publisher, addresses):
    issue = make_issue(1)
    with pytest.raises(SendRefused):
        dispatch.send_test(issue=issue, addresses=addresses, acting_user=publisher)
    assert mail.outbox == []


def test_send_test_reports_a_refusing_mail_server(publisher, settings):
    settings.NEWSLETTER_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    issue = make_issue(1)
    with pytest.raises(SendRefused, match="did not accept"):
        dispatch.send_test(issue=issue, addresses=["editor@example.org"], acting_user=publisher)


def _closed_port() -> int:
    from tests.newsletters.smtp_server import free_port

    return free_port()  # nothing listens there once the probe socket is closed


# ------------------------------------------------------------------------------------------------------ progress


def test_progress_counts_each_state_rate_and_time_left(publisher):
    issue = make_issue(10)
    dispatch.start_send(issue=issue, acting_user=publisher)
    rows = list(Delivery.objects.filter(issue=issue).order_by("id"))
    now = timezone.now()
    Delivery.objects.filter(pk__in=[r.pk for r in rows[:4]]).update(status="sent", sent_at=now)
    Delivery.objects.filter(pk=rows[4].pk).update(status="sent", sent_at=now - timedelta(minutes=5),
                                                  possible_duplicate=True, bounced_at=now)
    Delivery.objects.filter(pk=rows[5].pk).update(status="failed", last_error="550 No such user")
    Delivery.objects.filter(pk=rows[6].pk).update(status="cancelled", complained_at=now)
    Subscription.objects.filter(pk=rows[7].subscription_id).update(status="unsubscribed", ended_by_issue=issue)
    issue.refresh_from_db()

    figures = dispatch.progress(issue=issue)

    assert (figures.recipients, figures.sent, figures.failed, figures.cancelled, figures.remaining) == (10, 5, 1, 1, 3)
    assert figures.possible_duplicates == 1
    assert figures.bounced == 1 and figures.complained == 1 and figures.unsubscribed == 1
    assert figures.rate_per_minute == 4
    assert figures.seconds_left == 45  # 3 left at 4 a minute
    assert figures.percent == 70
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.PAUSED)
    issue.refresh_from_db()
    assert dispatch.progress(issue=issue).seconds_left is None


def test_progress_of_an_unsent_issue_is_empty():
    issue = make_issue(2)
    figures = dispatch.progress(issue=issue)
    assert figures.recipients == 0 and figures.percent == 0 and figures.seconds_left is None


# ------------------------------------------------------------------------------------------------ the rate cap


def test_rate_bucket_caps_each_second_across_callers(settings):
    settings.NEWSLETTER_RATE_PER_SECOND = 3
    start = timezone.now()
    granted = [dispatch.take_send_permit(now=start + timedelta(milliseconds=n)) for n in range(4)]
    assert granted[:3] == [0.0, 0.0, 0.0]
    assert 0 < granted[3] <= 1
    assert dispatch.take_send_permit(now=start + timedelta(milliseconds=1010)) == 0.0
    bucket = SendRateBucket.objects.get(key="default")
    assert bucket.sent_this_second == 1 and bucket.sent_this_hour == 4


def test_rate_bucket_caps_each_hour(settings):
    settings.NEWSLETTER_RATE_PER_HOUR = 5
    start = timezone.now()
    assert [dispatch.take_send_permit(now=start + timedelta(seconds=n)) for n in range(5)] == [0.0] * 5
    wait = dispatch.take_send_permit(now=start + timedelta(seconds=10))
    assert 3500 < wait <= 3600
    assert dispatch.take_send_permit(now=start + timedelta(hours=1, seconds=1)) == 0.0


def test_no_cap_takes_nothing_from_the_bucket():
    assert dispatch.take_send_permit() == 0.0
    assert not SendRateBucket.objects.exists()


# ------------------------------------------------------------------------------------------- errors and recovery


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"No such user")}), dispatch.PERMANENT),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (451, b"Try later")}), dispatch.TEMPORARY),
        (smtplib.SMTPDataError(554, b"Rejected as spam"), dispatch.PERMANENT),
        (smtplib.SMTPDataError(452, b"Mailbox full"), dispatch.TEMPORARY),
        (smtplib.SMTPSenderRefused(451, b"Later", "news@example.org"), dispatch.TEMPORARY),
        (smtplib.SMTPResponseException(421, b"Closing"), dispatch.CONNECTION),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), dispatch.CONNECTION),
        (ConnectionRefusedError(111, "Connection refused"), dispatch.CONNECTION),
        (TimeoutError("timed out"), dispatch.CONNECTION),
        (RuntimeError("something else"), dispatch.TEMPORARY),
    ],
)
def test_errors_are_classified(error, kind):
    assert dispatch.classify(error) == kind


def test_anymail_refusals_are_permanent():
    from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused

    assert dispatch.classify(AnymailRecipientsRefused("refused")) == dispatch.PERMANENT
    assert dispatch.classify(AnymailAPIError("provider down")) == dispatch.TEMPORARY


def test_recover_gives_workers_to_a_send_whose_workers_died(publisher):
    issue = make_issue(3)
    dispatch.start_send(issue=issue, acting_user=publisher)
    Delivery.objects.filter(issue=issue).update(
        status=Delivery.Status.CLAIMED, lease_token="7d5c6e1e-0000-4000-8000-000000000003",
        lease_expires_at=timezone.now() - timedelta(days=1),
    )
    report = dispatch.recover()
    assert report.resumed == [issue.pk]
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert len(mail.outbox) == 3


def test_recover_leaves_a_send_with_a_live_worker_alone(publisher):
    issue = make_issue(2)
    dispatch.start_send(issue=issue, acting_user=publisher)
    Delivery.objects.filter(issue=issue).update(
        status=Delivery.Status.CLAIMED, lease_token="7d5c6e1e-0000-4000-8000-000000000004",
        lease_expires_at=timezone.now() + timedelta(days=1),
    )
    assert dispatch.recover().resumed == []
    assert mail.outbox == []


def test_dispatch_newsletters_command_reports_what_it_did(publisher, capsys, django_capture_on_commit_callbacks):
    issue = make_issue(1)
    dispatch.schedule_send(issue=issue, when=timezone.now() + timedelta(hours=1), acting_user=publisher)
    Issue.objects.filter(pk=issue.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("dispatch_newsletters")
    assert "Scheduled issues started: 1" in capsys.readouterr().out
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_run_newsletter_worker_command_rejects_an_unknown_issue():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no issue"):
        call_command("run_newsletter_worker", "--issue", "999999")

