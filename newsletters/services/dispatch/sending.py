"""Starting, scheduling, pausing, resuming and cancelling a send; the test send; the progress figures; and the
scheduler's recovery pass. See the package docstring for how it all fits together."""

from __future__ import annotations

import logging
import math
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
from newsletters.messages import FrozenIssue, build_test_message
from newsletters.models import Delivery, Issue, Subscription, normalise_email
from newsletters.services.audience import audience_queryset, count_audience
from newsletters.services.dispatch.errors import describe_error
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
                reason = str(refusal)  # `refusal` is unbound once the except block ends, before on_commit runs
                transaction.on_commit(lambda: _tell_publishers_scheduled_send_failed(issue, reason))
        logger.warning("Scheduled issue %s did not start: %s", issue_id, refusal)
        return False
    return True


def _tell_publishers_scheduled_send_failed(issue: Issue, reason: str) -> None:
    """Email whoever scheduled the issue and whoever wrote it: nobody watches the issue page at the scheduled hour,
    and an edition that silently did not go out is found too late otherwise."""
    from django.core.mail import send_mail

    recipients = sorted({
        person.email for person in (issue.started_by, issue.created_by)
        if person is not None and person.is_active and person.email
    })
    if not recipients:
        return
    link = settings.SITE_URL + reverse("newsletters:issue_detail", args=[issue.pk])
    send_mail(
        subject=_("Not sent: %(subject)s") % {"subject": issue.subject},
        message=_(
            "The newsletter issue \"%(subject)s\" of %(newsletter)s was scheduled but did not go out.\n\n"
            "Reason: %(reason)s\n\nIt is a draft again. Open it to fix it and send or schedule it anew:\n%(link)s\n"
        ) % {"subject": issue.subject, "newsletter": issue.newsletter.name, "reason": reason, "link": link},
        from_email=None,
        recipient_list=recipients,
    )


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
        message = _("The mail server did not accept the test: %(error)s") % {"error": describe_error(error)}
        raise SendRefused(message) from error
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
