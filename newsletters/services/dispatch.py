"""Sending an issue: the outbox, the workers that drain it, and the controls around them.

Starting a send (start_send) freezes the issue's HTML and text and writes the outbox in one transaction with one
set-based INSERT ... SELECT from the audience at that moment (suppressed addresses excluded), one Delivery per
subscriber. After commit it enqueues NEWSLETTER_WORKERS_PER_SEND worker tasks on the "newsletters" queue.

A worker (run_worker) claims a batch of deliveries with one UPDATE over SELECT ... FOR UPDATE SKIP LOCKED under a
lease, sends it over one reused connection of NEWSLETTER_EMAIL_BACKEND, and walks each delivery through
claimed -> attempting -> sent: one UPDATE per message marks the previous message sent and the next attempting, so at
any moment exactly the message being handed to the mail server is `attempting`. When a worker dies, its lease
expires and another worker takes its rows over; a row taken over from `attempting` may already have been delivered,
so it is flagged `possible_duplicate` (counted in progress()). Nothing else can be sent twice, and nothing is skipped.

Temporary failures (4xx answers, dropped connections, timeouts) are retried with exponential backoff
(NEWSLETTER_RETRY_BASE_SECONDS x 2^(attempts-1)) up to NEWSLETTER_MAX_ATTEMPTS; permanent ones (5xx for the
recipient) are recorded as failed. NEWSLETTER_RATE_PER_SECOND/HOUR cap the rate across all workers through one
locked SendRateBucket row. Pause, resume and cancel act on the rows at once and workers notice within a second.

`manage.py dispatch_newsletters` (every minute from cron or a systemd timer) starts due scheduled issues and puts
workers back on sends whose workers died (recover()).
"""

from __future__ import annotations

import logging
import math
import smtplib
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.services.audit import record_audit
from newsletters.messages import FrozenIssue, MessageFactory, build_test_message
from newsletters.models import (
    Delivery,
    Issue,
    SendRateBucket,
    Subscription,
    Suppression,
    email_hash,
    normalise_email,
)
from newsletters.services.audience import audience_queryset, count_audience
from newsletters.tokens import UNSUBSCRIBE_URL_MARKER

logger = logging.getLogger(__name__)

ACTION_SEND_STARTED = "newsletter.send_started"
ACTION_SCHEDULED = "newsletter.send_scheduled"
ACTION_UNSCHEDULED = "newsletter.send_unscheduled"
ACTION_PAUSED = "newsletter.send_paused"
ACTION_RESUMED = "newsletter.send_resumed"
ACTION_CANCELLED = "newsletter.send_cancelled"
ACTION_TEST_SENT = "newsletter.test_sent"
ACTION_SCHEDULED_SEND_FAILED = "newsletter.scheduled_send_failed"

SHOWN_ZONE = ZoneInfo("Africa/Johannesburg")
MAX_TEST_ADDRESSES = 10
STATUS_CHECK_SECONDS = 1.0  # how often a worker re-reads the issue's status (pause/cancel take effect within it)
STATUS_CHECK_MESSAGES = 200  # ...or after this many messages, whichever comes first
WAITING = ("queued", "claimed", "attempting")


class SendRefused(Exception):
    """The send (or schedule, pause...) cannot happen; the message says why and is shown to the publisher."""


# ---------------------------------------------------------------------------------------------------- starting


def _render(issue: Issue) -> tuple[str, str]:
    """The issue as (html, text) with the per-recipient markers, from PUBLISHING's renderer. Imported here so this
    module loads without it; a block that cannot be shown refuses the send with the renderer's message."""
    from newsletters.rendering import render_issue

    try:
        return render_issue(issue=issue)
    except Exception as error:
        if type(error).__name__ == "BlockError":
            raise SendRefused(str(error)) from error
        raise


def _check_sendable(issue: Issue) -> None:
    if not issue.newsletter.is_active:
        raise SendRefused(_("This newsletter is closed, so its issues cannot be sent."))
    if settings.NEWSLETTER_REQUIRE_APPROVAL and not issue.approved_at:
        raise SendRefused(_("This issue needs a second publisher's approval before it can be sent."))


def _locked(issue: Issue) -> Issue:
    return Issue.objects.select_for_update().select_related("newsletter").get(pk=issue.pk)


def _sync(target: Issue, source: Issue, fields: Iterable[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def enqueue_workers(*, issue_id: int, count: int | None = None) -> None:
    """Put `count` (default NEWSLETTER_WORKERS_PER_SEND) worker tasks for the issue on the "newsletters" queue."""
    from newsletters.tasks import send_issue_task

    for _worker in range(max(1, count or settings.NEWSLETTER_WORKERS_PER_SEND)):
        send_issue_task.enqueue(issue_id=issue_id)


def start_send(*, issue: Issue, acting_user: Any) -> int:
    """Start sending `issue` now: freeze its content, write one delivery per recipient (the audience at this moment
    minus suppressed addresses) with one INSERT ... SELECT, set it `sending`, and after commit enqueue the workers.
    Returns the number of recipients. Refused (SendRefused) unless the issue is a draft or scheduled without an
    outbox yet, when approval is required and missing, or when nobody would receive it. `acting_user` None means
    the scheduler (the person who scheduled it stays recorded as the starter)."""
    with transaction.atomic():
        locked = _locked(issue)
        if locked.status not in (Issue.Status.DRAFT, Issue.Status.SCHEDULED):
            raise SendRefused(
                _("This issue is %(status)s; only a draft or a scheduled issue can be sent.")
                % {"status": locked.get_status_display().lower()}
            )
        if Delivery.objects.filter(issue=locked).exists():
            raise SendRefused(_("This issue has already been sent."))
        _check_sendable(locked)
        html, text = _render(locked)
        if UNSUBSCRIBE_URL_MARKER not in html or UNSUBSCRIBE_URL_MARKER not in text:
            raise SendRefused(_("The rendered issue has no unsubscribe link, so it cannot be sent."))
        recipients = _write_outbox(locked)
        if recipients == 0:
            raise SendRefused(_("Nobody would receive this issue: its audience has no confirmed subscribers."))
        now = timezone.now()
        locked.rendered_html, locked.rendered_text = html, text
        locked.status = Issue.Status.SENDING
        locked.recipient_count = recipients
        locked.send_started_at = now
        if acting_user is not None and getattr(acting_user, "pk", None):
            locked.started_by = acting_user
        locked.save(
            update_fields=[
                "rendered_html", "rendered_text", "status", "recipient_count", "send_started_at", "started_by",
                "updated_at",
            ]
        )
        record_audit(
            actor=acting_user, action=ACTION_SEND_STARTED, target=locked,
            summary=_("Started sending to %(count)s recipients") % {"count": recipients},
            after={"status": locked.status, "recipient_count": recipients},
        )
        issue_id = locked.pk
        transaction.on_commit(lambda: enqueue_workers(issue_id=issue_id))
    _sync(issue, locked, ["rendered_html", "rendered_text", "status", "recipient_count", "send_started_at",
                          "started_by_id", "updated_at"])
    return recipients


def _write_outbox(issue: Issue) -> int:
    """One set-based statement: a queued delivery for each subscription in the audience right now. ON CONFLICT
    keeps it one per (issue, subscriber) even if the audience query yields a subscriber twice."""
    audience = audience_queryset(newsletter=issue.newsletter, filters=issue.audience_filter).values_list(
        "subscriber_id", "id", "subscriber__email"
    )
    sql, params = audience.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO newsletters_delivery
                (issue_id, subscriber_id, subscription_id, email, status, attempts, next_attempt_at,
                 possible_duplicate, last_error)
            SELECT %s, audience.subscriber_id, audience.subscription_id, audience.email, 'queued', 0, now(),
                   false, ''
            FROM ({sql}) AS audience (subscriber_id, subscription_id, email)
            ON CONFLICT (issue_id, subscriber_id) DO NOTHING
            """,
            [issue.pk, *params],
        )
        return cursor.rowcount


def _aware(when: datetime) -> datetime:
    """A naive time is read as Africa/Johannesburg, the time the publisher sees."""
    if timezone.is_naive(when):
        return timezone.make_aware(when, SHOWN_ZONE)
    return when


def schedule_send(*, issue: Issue, when: datetime, acting_user: Any) -> Issue:
    """Schedule a draft (or move a scheduled issue) to be sent at `when` (naive times are Africa/Johannesburg).
    The issue is rendered now so a broken block is reported at once. `manage.py dispatch_newsletters` starts it when
    due; a task deferred to `when` is also queued when the task backend supports run_after."""
    when = _aware(when)
    if when <= timezone.now():
        raise SendRefused(_("Choose a time in the future."))
    with transaction.atomic():
        locked = _locked(issue)
        if locked.status not in (Issue.Status.DRAFT, Issue.Status.SCHEDULED):
            raise SendRefused(_("Only a draft can be scheduled."))
        _check_sendable(locked)
        _render(locked)
        if count_audience(newsletter=locked.newsletter, filters=locked.audience_filter) == 0:
            raise SendRefused(_("Nobody would receive this issue: its audience has no confirmed subscribers."))
        before = {"status": locked.status, "scheduled_at": locked.scheduled_at.isoformat() if locked.scheduled_at
                  else None}
        locked.status = Issue.Status.SCHEDULED
        locked.scheduled_at = when
        if getattr(acting_user, "pk", None):
            locked.started_by = acting_user
        locked.save(update_fields=["status", "scheduled_at", "started_by", "updated_at"])
        record_audit(
            actor=acting_user, action=ACTION_SCHEDULED, target=locked,
            summary=_("Scheduled for %(when)s") % {"when": f"{timezone.localtime(when, SHOWN_ZONE):%Y-%m-%d %H:%M}"},
            before=before, after={"status": locked.status, "scheduled_at": when.isoformat()},
        )
        issue_id = locked.pk
        transaction.on_commit(lambda: _enqueue_scheduled_start(issue_id=issue_id, when=when))
    _sync(issue, locked, ["status", "scheduled_at", "started_by_id", "updated_at"])
    return issue


def _enqueue_scheduled_start(*, issue_id: int, when: datetime) -> None:
    from newsletters.tasks import start_scheduled_issue_task

    if start_scheduled_issue_task.get_backend().supports_defer:
        start_scheduled_issue_task.using(run_after=when).enqueue(issue_id=issue_id)


def unschedule(*, issue: Issue, acting_user: Any) -> Issue:
    """Take a scheduled issue back to draft; nothing is sent."""
    with transaction.atomic():
        locked = _locked(issue)
        if locked.status != Issue.Status.SCHEDULED:
            raise SendRefused(_("This issue is not scheduled."))
        before = {"status": locked.status, "scheduled_at": locked.scheduled_at.isoformat()}
        locked.status = Issue.Status.DRAFT
        locked.scheduled_at = None
        locked.save(update_fields=["status", "scheduled_at", "updated_at"])
        record_audit(actor=acting_user, action=ACTION_UNSCHEDULED, target=locked,
                     summary=_("Unscheduled"), before=before, after={"status": locked.status})
    _sync(issue, locked, ["status", "scheduled_at", "updated_at"])
    return issue


def start_due_issue(*, issue_id: int) -> bool:
    """Start one scheduled issue if it is due (the deferred task and the scheduler both call this; whichever comes
    second finds it already sending). If it cannot be sent any more, it goes back to draft and the reason is logged
    in the audit log. Returns whether it started."""
    issue = Issue.objects.filter(pk=issue_id, status=Issue.Status.SCHEDULED,
                                 scheduled_at__lte=timezone.now()).first()
    if issue is None:
        return False
    try:
        start_send(issue=issue, acting_user=None)
    except SendRefused as refusal:
        with transaction.atomic():
            reverted = Issue.objects.filter(pk=issue_id, status=Issue.Status.SCHEDULED).update(
                status=Issue.Status.DRAFT, updated_at=timezone.now()
            )
            if reverted:
                record_audit(actor=None, action=ACTION_SCHEDULED_SEND_FAILED, target=issue,
                             summary=_("The scheduled send did not start: %(reason)s") % {"reason": refusal},
                             after={"status": Issue.Status.DRAFT})
        logger.warning("Scheduled issue %s did not start: %s", issue_id, refusal)
        return False
    return True


# ------------------------------------------------------------------------------------------ pause, resume, cancel


def pause_send(*, issue: Issue, acting_user: Any) -> Issue:
    """Pause a send: the issue becomes `paused` and the rows workers have claimed but not begun go back to the
    queue at once, so workers stop after the message in flight (they notice within a second)."""
    with transaction.atomic():
        locked = _locked(issue)
        if locked.status != Issue.Status.SENDING:
            raise SendRefused(_("Only an issue that is sending can be paused."))
        locked.status = Issue.Status.PAUSED
        locked.save(update_fields=["status", "updated_at"])
        Delivery.objects.filter(issue=locked, status=Delivery.Status.CLAIMED).update(
            status=Delivery.Status.QUEUED, lease_token=None, lease_expires_at=None
        )
        record_audit(actor=acting_user, action=ACTION_PAUSED, target=locked, summary=_("Paused sending"),
                     before={"status": Issue.Status.SENDING}, after={"status": locked.status})
    _sync(issue, locked, ["status", "updated_at"])
    return issue


def resume_send(*, issue: Issue, acting_user: Any) -> Issue:
    """Resume a paused send: `sending` again, and after commit the workers are enqueued."""
    with transaction.atomic():
        locked = _locked(issue)
        if locked.status != Issue.Status.PAUSED:
            raise SendRefused(_("Only a paused issue can be resumed."))
        locked.status = Issue.Status.SENDING
        locked.save(update_fields=["status", "updated_at"])
        record_audit(actor=acting_user, action=ACTION_RESUMED, target=locked, summary=_("Resumed sending"),
                     before={"status": Issue.Status.PAUSED}, after={"status": locked.status})
        issue_id = locked.pk
        transaction.on_commit(lambda: enqueue_workers(issue_id=issue_id))
    _sync(issue, locked, ["status", "updated_at"])
    return issue


def cancel_send(*, issue: Issue, acting_user: Any) -> Issue:
    """Cancel a sending or paused issue: every delivery not yet begun is marked cancelled at once (the message in
    flight, if any, is finished and recorded by its worker). What was sent stays sent; the rest never goes."""
    with transaction.atomic():
        locked = _locked(issue)
        if locked.status not in (Issue.Status.SENDING, Issue.Status.PAUSED):
            raise SendRefused(_("Only an issue that is sending or paused can be cancelled."))
        before = {"status": locked.status}
        locked.status = Issue.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        cancelled = _cancel_unbegun(locked.pk)
        record_audit(actor=acting_user, action=ACTION_CANCELLED, target=locked,
                     summary=_("Cancelled sending; %(count)s messages will not be sent") % {"count": cancelled},
                     before=before, after={"status": locked.status})
    _sync(issue, locked, ["status", "updated_at"])
    return issue


def _cancel_unbegun(issue_id: int) -> int:
    # `attempting` rows whose lease has run out belong to a dead worker: nobody will finish them.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE newsletters_delivery SET status = 'cancelled', lease_token = NULL, lease_expires_at = NULL
            WHERE issue_id = %s AND (status IN ('queued', 'claimed')
                                     OR (status = 'attempting' AND lease_expires_at < now()))
            """,
            [issue_id],
        )
        return cursor.rowcount


# ----------------------------------------------------------------------------------------------------- test send


def send_test(*, issue: Issue, addresses: list[str], acting_user: Any) -> None:
    """Render the issue as it is now and send it at once to `addresses` (at most 10), subject prefixed "[Test]".
    An address on the list gets its own working links; any other gets the list's page in their place. Nothing is
    recorded as a delivery. Raises SendRefused for a bad address or when the mail server refuses."""
    cleaned: list[str] = []
    for address in addresses:
        address = normalise_email(address)
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError as error:
            raise SendRefused(_("“%(address)s” is not an email address.") % {"address": address}) from error
        if address not in cleaned:
            cleaned.append(address)
    if not cleaned:
        raise SendRefused(_("Give at least one address to send the test to."))
    if len(cleaned) > MAX_TEST_ADDRESSES:
        raise SendRefused(_("Send a test to at most %(count)s addresses.") % {"count": MAX_TEST_ADDRESSES})
    issue = Issue.objects.select_related("newsletter").get(pk=issue.pk)
    html, text = _render(issue)
    frozen = FrozenIssue.of(issue, html_body=html, text_body=text)
    subscriptions = {
        s.subscriber.email: s
        for s in Subscription.objects.select_related("subscriber").filter(
            newsletter_id=issue.newsletter_id, subscriber__email__in=cleaned
        )
    }
    try:
        fallback = settings.SITE_URL + reverse("newsletters:subscribe", args=[issue.newsletter.slug])
    except NoReverseMatch:
        fallback = settings.SITE_URL + "/newsletters/"
    messages = [
        build_test_message(frozen=frozen, email=address, subscription=subscriptions.get(address), fallback_url=fallback)
        for address in cleaned
    ]
    mail = get_connection(settings.NEWSLETTER_EMAIL_BACKEND, fail_silently=False)
    try:
        mail.send_messages(messages)
    except Exception as error:  # noqa: BLE001 - whatever the backend raises, the publisher is told
        logger.warning("Test send of issue %s failed: %s", issue.pk, error)
        raise SendRefused(_("The mail server did not accept the test: %(error)s") % {"error": _describe(error)}) \
            from error
    record_audit(actor=acting_user, action=ACTION_TEST_SENT, target=issue,
                 summary=_("Sent a test to %(count)s addresses") % {"count": len(cleaned)})


# ------------------------------------------------------------------------------------------------------ progress


@dataclass(frozen=True)
class Progress:
    recipients: int
    sent: int
    failed: int
    cancelled: int
    remaining: int
    possible_duplicates: int
    rate_per_minute: int  # messages sent in the last 60 seconds
    seconds_left: int | None  # at the current rate; None when not sending or no rate yet
    percent: int  # finished deliveries (sent, failed or cancelled) as a whole percentage, 100 only when all are
    bounced: int
    complained: int
    unsubscribed: int  # subscriptions ended by this issue's unsubscribe links

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def progress(*, issue: Issue) -> Progress:
    """The issue's send figures, from two aggregate queries (cheap enough to poll every two seconds)."""
    minute_ago = timezone.now() - timedelta(seconds=60)
    figures = Delivery.objects.filter(issue_id=issue.pk).aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
        cancelled=Count("id", filter=Q(status=Delivery.Status.CANCELLED)),
        duplicates=Count("id", filter=Q(possible_duplicate=True)),
        recent=Count("id", filter=Q(status=Delivery.Status.SENT, sent_at__gte=minute_ago)),
        bounced=Count("id", filter=Q(bounced_at__isnull=False)),
        complained=Count("id", filter=Q(complained_at__isnull=False)),
    )
    unsubscribed = Subscription.objects.filter(
        ended_by_issue_id=issue.pk, status=Subscription.Status.UNSUBSCRIBED
    ).count()
    total = figures["total"]
    finished = figures["sent"] + figures["failed"] + figures["cancelled"]
    remaining = total - finished
    rate = figures["recent"]
    seconds_left = None
    if issue.status == Issue.Status.SENDING and rate and remaining:
        seconds_left = math.ceil(remaining * 60 / rate)
    percent = math.floor(finished * 100 / total) if total else 0
    return Progress(
        recipients=total, sent=figures["sent"], failed=figures["failed"], cancelled=figures["cancelled"],
        remaining=remaining, possible_duplicates=figures["duplicates"], rate_per_minute=rate,
        seconds_left=seconds_left, percent=percent, bounced=figures["bounced"], complained=figures["complained"],
        unsubscribed=unsubscribed,
    )


# ---------------------------------------------------------------------------------------------------- rate cap


def take_send_permit(*, now: datetime | None = None) -> float:
    """Take one message from the shared rate bucket. Returns 0.0 when granted, otherwise how many seconds to wait
    before asking again. The bucket row is locked while taking, so the cap holds across all workers. Fixed windows
    of one second and one hour; a cap of 0 means none."""
    per_second = settings.NEWSLETTER_RATE_PER_SECOND
    per_hour = settings.NEWSLETTER_RATE_PER_HOUR
    if not per_second and not per_hour:
        return 0.0
    with transaction.atomic():
        bucket = SendRateBucket.objects.select_for_update().filter(key="default").first()
        if bucket is None:
            SendRateBucket.objects.get_or_create(key="default")
            bucket = SendRateBucket.objects.select_for_update().get(key="default")
        now = now or timezone.now()
        if now - bucket.second_started_at >= timedelta(seconds=1) or now < bucket.second_started_at:
            bucket.second_started_at, bucket.sent_this_second = now, 0
        if now - bucket.hour_started_at >= timedelta(hours=1) or now < bucket.hour_started_at:
            bucket.hour_started_at, bucket.sent_this_hour = now, 0
        if per_second and bucket.sent_this_second >= per_second:
            return max(0.01, (bucket.second_started_at + timedelta(seconds=1) - now).total_seconds())
        if per_hour and bucket.sent_this_hour >= per_hour:
            return max(0.01, (bucket.hour_started_at + timedelta(hours=1) - now).total_seconds())
        bucket.sent_this_second += 1
        bucket.sent_this_hour += 1
        bucket.save()
    return 0.0


# ------------------------------------------------------------------------------------------------------ workers


@dataclass
class WorkerReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    batches: int = 0
    finished_issue: bool = False
    stopped_because: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Claimed:
    id: int
    subscription_id: int | None
    email: str
    attempts: int


TEMPORARY, PERMANENT, CONNECTION = "temporary", "permanent", "connection"


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {_text(message)}" for code, message in error.recipients.values()]
        return ("; ".join(parts) or str(error))[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"[:500]
    return (f"{type(error).__name__}: {error}")[:500]


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def classify(error: BaseException) -> str:
    """How to treat a sending error: PERMANENT (this recipient will never take it: record it failed), TEMPORARY
    (retry later with backoff) or CONNECTION (the connection is gone: reconnect and try again at once)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return PERMANENT if codes and all(500 <= code < 600 for code in codes) else TEMPORARY
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return CONNECTION
    if isinstance(error, smtplib.SMTPResponseException):
        if error.smtp_code == 421:  # the server is closing the connection
            return CONNECTION
        if isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600:
            return PERMANENT
        return TEMPORARY
    if isinstance(error, OSError):  # refused, reset, timed out
        return CONNECTION
    try:
        from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is a dependency
        return TEMPORARY
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return PERMANENT
    return TEMPORARY


class _Stop(Exception):
    """The issue is no longer sending (paused, cancelled) or this worker lost its rows."""


@dataclass
class _Worker:
    issue_id: int
    max_wait_seconds: float
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    report: WorkerReport = field(default_factory=WorkerReport)
    mail: Any = None
    factory: MessageFactory | None = None
    last_status_check: float = 0.0
    messages_since_check: int = 0
    last_renewal: float = 0.0

    # -- the loop ---------------------------------------------------------------------------------------------

    def run(self) -> WorkerReport:
        issue = Issue.objects.select_related("newsletter").filter(pk=self.issue_id).first()
        if issue is None or issue.status != Issue.Status.SENDING:
            self.report.stopped_because = "not sending"
            return self.report
        self.factory = MessageFactory(
            FrozenIssue.of(issue), connection=get_connection(settings.NEWSLETTER_EMAIL_BACKEND, fail_silently=False)
        )
        self._commit_without_waiting_for_disk(True)
        try:
            while True:
                batch = self._claim()
                if batch:
                    self.report.batches += 1
                    try:
                        self._send_batch(batch)
                    except _Stop:
                        if not self._leave():
                            return self.report
                    continue
                if not self._wait_for_work():
                    return self.report
        finally:
            self._close_mail()
            self._commit_without_waiting_for_disk(False)

    @staticmethod
    def _commit_without_waiting_for_disk(on: bool) -> None:
        """synchronous_commit off for this worker's session: its per-message marks become visible to every other
        session the moment they commit (all that crash safety against a dying WORKER needs), without waiting for
        the disk to flush each one (a flush per message would cap a worker at the disk's fsync rate, about 140 a
        second here). The trade-off only bites if the DATABASE server itself crashes: the marks of its last
        fraction of a second may be lost, so those few messages can go twice, unflagged; none can be skipped.
        Reset afterwards, as the connection may serve other work."""
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off" if on else "RESET synchronous_commit")

    def _wait_for_work(self) -> bool:
        """Nothing claimable now. Finish the issue when every delivery is final; otherwise wait (re-reading the
        status every second) for the nearest lease to run out or retry to fall due, unless that is further away
        than max_wait_seconds (the scheduler then brings a worker back). Returns whether to claim again."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*),
                       EXTRACT(EPOCH FROM min(CASE WHEN status = 'queued' THEN next_attempt_at
                                                   ELSE lease_expires_at END) - now())
                FROM newsletters_delivery
                WHERE issue_id = %s AND status IN ('queued', 'claimed', 'attempting')
                """,
                [self.issue_id],
            )
            open_rows, seconds = cursor.fetchone()
        if open_rows == 0:
            self._finish_issue()
            return False
        seconds = max(0.0, float(seconds or 0.0))
        if seconds > self.max_wait_seconds:
            self.report.stopped_because = "waiting for retries"
            return False
        self._close_mail()  # don't hold an idle connection open while waiting
        deadline = time.monotonic() + seconds + 0.05
        while True:
            status = Issue.objects.filter(pk=self.issue_id).values_list("status", flat=True).first()
            if status != Issue.Status.SENDING:
                self.report.stopped_because = f"issue {status}"
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            time.sleep(min(STATUS_CHECK_SECONDS, remaining))

    def _finish_issue(self) -> None:
        finished = Issue.objects.filter(pk=self.issue_id, status=Issue.Status.SENDING).update(
            status=Issue.Status.SENT, sent_at=timezone.now(), updated_at=timezone.now()
        )
        self.report.finished_issue = bool(finished)
        self.report.stopped_because = "all delivered"

    # -- claiming -------------------------------------------------------------------------------------------

    def _claim(self) -> list[_Claimed]:
        """One statement: lock the issue row for share (so pause and cancel wait for it, and nothing is claimed
        once they have committed), pick the first due rows nobody else holds, and lease them to this worker.
        Rows taken over from `attempting` may have been delivered by their dead worker: flagged."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH live AS (
                    SELECT id FROM newsletters_issue WHERE id = %s AND status = 'sending' FOR SHARE
                )
                UPDATE newsletters_delivery
                SET status = 'claimed',
                    possible_duplicate = possible_duplicate OR status = 'attempting',
                    lease_token = %s,
                    lease_expires_at = now() + make_interval(secs => %s)
                WHERE id IN (
                    SELECT d.id FROM newsletters_delivery d
                    WHERE d.issue_id IN (SELECT id FROM live)
                      AND ((d.status = 'queued' AND d.next_attempt_at <= now())
                           OR (d.status IN ('claimed', 'attempting') AND d.lease_expires_at < now()))
                    ORDER BY d.id
                    LIMIT %s
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id, subscription_id, email, attempts
                """,
                [self.issue_id, self.token, settings.NEWSLETTER_LEASE_SECONDS, settings.NEWSLETTER_BATCH_SIZE],
            )
            rows = [_Claimed(*row) for row in cursor.fetchall()]
        rows.sort(key=lambda row: row.id)
        self.last_renewal = time.monotonic()
        return rows

    def _renew_lease(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE newsletters_delivery SET lease_expires_at = now() + make_interval(secs => %s)
                WHERE lease_token = %s AND status IN ('claimed', 'attempting')
                """,
                [settings.NEWSLETTER_LEASE_SECONDS, self.token],
            )
        self.last_renewal = time.monotonic()

    def _leave(self) -> bool:
        """The issue stopped sending, or this worker's rows were taken from it: hand back (paused) or cancel
        (cancelled) the rows it still holds. Returns whether the issue is still sending (then the worker goes on
        claiming: its lease had run out and another worker took the rows over)."""
        status = Issue.objects.filter(pk=self.issue_id).values_list("status", flat=True).first()
        target = "cancelled" if status == Issue.Status.CANCELLED else "queued"
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE newsletters_delivery SET status = %s, lease_token = NULL, lease_expires_at = NULL
                WHERE lease_token = %s AND status = 'claimed'
                """,
                [target, self.token],
            )
        if status == Issue.Status.SENDING:
            self.report.stopped_because = ""
            return True
        self.report.stopped_because = f"issue {status}"
        return False

    def _checkpoint(self) -> None:
        """Between messages: re-read the issue's status every second (or STATUS_CHECK_MESSAGES messages) and renew
        the lease well before it runs out. Raises _Stop when the issue no longer sends."""
        now = time.monotonic()
        if now - self.last_status_check >= STATUS_CHECK_SECONDS or self.messages_since_check >= STATUS_CHECK_MESSAGES:
            status = Issue.objects.filter(pk=self.issue_id).values_list("status", flat=True).first()
            self.last_status_check, self.messages_since_check = now, 0
            if status != Issue.Status.SENDING:
                self.report.stopped_because = f"issue {status}"
                raise _Stop
        if now - self.last_renewal >= settings.NEWSLETTER_LEASE_SECONDS / 3:
            self._renew_lease()

    def _await_permit(self) -> None:
        while (wait := take_send_permit()) > 0:
            time.sleep(min(wait, STATUS_CHECK_SECONDS))
            self._checkpoint()

    # -- sending --------------------------------------------------------------------------------------------

    def _send_batch(self, batch: list[_Claimed]) -> None:
        sendable = self._skip_gone(batch)
        previous: int | None = None  # sent, to be marked so together with the next one's start
        try:
            for row, subscription in sendable:
                self._checkpoint()
                self._await_permit()
                if not self._advance(previous=previous, next_id=row.id):
                    previous = None
                    self.report.stopped_because = "rows taken back"
                    raise _Stop
                previous = None
                self.messages_since_check += 1
                row.attempts += 1
                try:
                    message = self.factory.build(delivery_id=row.id, email=row.email, subscription=subscription)
                except Exception as error:  # noqa: BLE001 - a message that cannot be built never will be
                    logger.exception("Could not build delivery %s", row.id)
                    self._record_failure(row, PERMANENT, f"Could not build the message: {_describe(error)}")
                    continue
                error = self._deliver(message)
                if error is None:
                    previous = row.id
                    self.report.sent += 1
                    continue
                kind = classify(error)
                self._record_failure(row, kind, _describe(error))
                if kind == CONNECTION:  # reconnecting failed too: give the server a rest
                    self._release_rest(delay=settings.NEWSLETTER_RETRY_BASE_SECONDS)
                    return
        finally:
            if previous is not None:
                self._advance(previous=previous, next_id=None)

    def _skip_gone(self, batch: list[_Claimed]) -> list[tuple[_Claimed, Subscription]]:
        """Load the batch's subscriptions (with the subscriber's secret for the links) in one query, and cancel rows
        whose subscriber has since unsubscribed, been erased or suppressed: the outbox is a snapshot, consent is
        checked again right before sending."""
        subscriptions = Subscription.objects.select_related("subscriber").only(
            "id", "status", "subscriber", "subscriber__id", "subscriber__email", "subscriber__secret"
        ).in_bulk([row.subscription_id for row in batch if row.subscription_id])
        suppressed = set(
            Suppression.objects.filter(email_hash__in=[email_hash(row.email) for row in batch if row.email])
            .values_list("email_hash", flat=True)
        )
        sendable: list[tuple[_Claimed, Subscription]] = []
        gone: dict[str, list[int]] = {}
        for row in batch:
            subscription = subscriptions.get(row.subscription_id)
            if subscription is None or not row.email:
                gone.setdefault("The subscriber was erased before the message was sent.", []).append(row.id)
            elif subscription.status != Subscription.Status.SUBSCRIBED:
                gone.setdefault("Unsubscribed before the message was sent.", []).append(row.id)
            elif email_hash(row.email) in suppressed:
                gone.setdefault("The address was suppressed before the message was sent.", []).append(row.id)
            else:
                sendable.append((row, subscription))
        for reason, ids in gone.items():
            Delivery.objects.filter(id__in=ids, lease_token=self.token, status=Delivery.Status.CLAIMED).update(
                status=Delivery.Status.CANCELLED, last_error=reason, lease_token=None, lease_expires_at=None
            )
            self.report.skipped += len(ids)
        return sendable

    def _advance(self, *, previous: int | None, next_id: int | None) -> bool:
        """One UPDATE: the message just handed over becomes `sent`, the next one `attempting` (its attempt counted).
        Both only while this worker holds them. Returns whether the next one is still this worker's to send."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE newsletters_delivery
                SET status = CASE WHEN id = %(previous)s THEN 'sent' ELSE 'attempting' END,
                    sent_at = CASE WHEN id = %(previous)s THEN now() ELSE sent_at END,
                    attempts = CASE WHEN id = %(previous)s THEN attempts ELSE attempts + 1 END,
                    last_error = CASE WHEN id = %(previous)s THEN '' ELSE last_error END
                WHERE lease_token = %(token)s
                  AND ((id = %(previous)s AND status = 'attempting') OR (id = %(next)s AND status = 'claimed'))
                RETURNING id
                """,
                {"previous": previous, "next": next_id, "token": self.token},
            )
            touched = {row[0] for row in cursor.fetchall()}
        if previous is not None and previous not in touched:
            logger.warning("Delivery %s was sent but its lease had been taken over; it may go twice", previous)
        return next_id is None or next_id in touched

    def _record_failure(self, row: _Claimed, kind: str, error_text: str) -> None:
        """A permanent failure, or a temporary one on the last allowed attempt, is final; otherwise the row goes
        back to the queue until NEWSLETTER_RETRY_BASE_SECONDS x 2^(attempts-1) from now."""
        final = kind == PERMANENT or row.attempts >= settings.NEWSLETTER_MAX_ATTEMPTS
        delay = settings.NEWSLETTER_RETRY_BASE_SECONDS * 2 ** max(0, row.attempts - 1)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE newsletters_delivery
                SET status = %s, last_error = %s, lease_token = NULL, lease_expires_at = NULL,
                    next_attempt_at = now() + make_interval(secs => %s)
                WHERE id = %s AND lease_token = %s AND status = 'attempting'
                """,
                ["failed" if final else "queued", error_text[:500], 0 if final else delay, row.id, self.token],
            )
        if final:
            self.report.failed += 1
        else:
            self.report.retried += 1

    def _release_rest(self, *, delay: int) -> None:
        """The mail server is unreachable: give this worker's untouched rows back, due after `delay` seconds."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE newsletters_delivery
                SET status = 'queued', lease_token = NULL, lease_expires_at = NULL,
                    next_attempt_at = now() + make_interval(secs => %s)
                WHERE lease_token = %s AND status = 'claimed'
                """,
                [delay, self.token],
            )
        self._close_mail()

    def _deliver(self, message: Any) -> BaseException | None:
        """Hand one message to the mail backend over the worker's open connection. A lost connection is reopened
        and the message tried once more at once. Returns the error, or None when the server accepted it."""
        for attempt in (1, 2):
            try:
                if self.mail is None:
                    self.mail = get_connection(settings.NEWSLETTER_EMAIL_BACKEND, fail_silently=False)
                    self.mail.open()
                if self.mail.send_messages([message]) != 1:
                    return RuntimeError("The mail backend did not take the message.")
                return None
            except Exception as error:  # noqa: BLE001 - classified by the caller
                if classify(error) != CONNECTION or attempt == 2:
                    if classify(error) == CONNECTION:
                        self._close_mail()
                    return error
                logger.info("Mail connection lost (%s); reconnecting", _describe(error))
                self._close_mail()
        return None  # pragma: no cover - the loop always returns

    def _close_mail(self) -> None:
        if self.mail is not None:
            try:
                self.mail.close()
            except Exception:  # noqa: BLE001 - a connection that is already gone cannot be closed politely
                pass
            self.mail = None


def run_worker(*, issue_id: int, max_wait_seconds: float | None = None) -> WorkerReport:
    """Drain the issue's outbox until nothing is left, the issue stops sending, or only work further away than
    `max_wait_seconds` remains (default: NEWSLETTER_LEASE_SECONDS, enough to take over a dead worker's rows).
    Marks the issue sent when every delivery is final. Safe to run any number at once, on any machines."""
    if max_wait_seconds is None:
        max_wait_seconds = float(settings.NEWSLETTER_LEASE_SECONDS)
    return _Worker(issue_id=issue_id, max_wait_seconds=max_wait_seconds).run()


# ------------------------------------------------------------------------------------------------------ recovery


@dataclass
class RecoveryReport:
    started: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    tidied: int = 0


def recover() -> RecoveryReport:
    """What `manage.py dispatch_newsletters` does every minute: start scheduled issues that are due; enqueue
    workers for sending issues that have due work but no live worker (rows queued and due, or leases run out);
    and close out rows of cancelled issues whose worker died mid-message. Idempotent."""
    report = RecoveryReport()
    due = Issue.objects.filter(status=Issue.Status.SCHEDULED, scheduled_at__lte=timezone.now())
    for issue_id in due.values_list("pk", flat=True):
        if start_due_issue(issue_id=issue_id):
            report.started.append(issue_id)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.id FROM newsletters_issue i
            WHERE i.status = 'sending'
              AND EXISTS (SELECT 1 FROM newsletters_delivery d WHERE d.issue_id = i.id AND (
                    (d.status = 'queued' AND d.next_attempt_at <= now())
                    OR (d.status IN ('claimed', 'attempting') AND d.lease_expires_at < now())))
              AND NOT EXISTS (SELECT 1 FROM newsletters_delivery d WHERE d.issue_id = i.id
                              AND d.status IN ('claimed', 'attempting') AND d.lease_expires_at >= now())
            """
        )
        stalled = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """
            SELECT i.id FROM newsletters_issue i WHERE i.status = 'sending'
              AND NOT EXISTS (SELECT 1 FROM newsletters_delivery d WHERE d.issue_id = i.id
                              AND d.status IN ('queued', 'claimed', 'attempting'))
            """
        )
        finished = [row[0] for row in cursor.fetchall()]
    for issue_id in stalled:
        if issue_id not in report.started:
            enqueue_workers(issue_id=issue_id)
            report.resumed.append(issue_id)
    for issue_id in finished:  # a worker died between the last message and marking the issue sent
        Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).update(
            status=Issue.Status.SENT, sent_at=timezone.now(), updated_at=timezone.now()
        )
    for issue_id in Issue.objects.filter(
        status=Issue.Status.CANCELLED, deliveries__status__in=WAITING
    ).values_list("pk", flat=True).distinct():
        report.tidied += _cancel_unbegun(issue_id)
    return report


__all__ = [
    "Progress", "SendRefused", "WorkerReport", "cancel_send", "classify", "enqueue_workers", "pause_send",
    "progress", "recover", "resume_send", "run_worker", "schedule_send", "send_test", "start_due_issue",
    "start_send", "take_send_permit", "unschedule",
]
