"""The workers that drain an issue's outbox, and the shared rate cap. See the package docstring."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from newsletters.messages import FrozenIssue, MessageFactory
from newsletters.models import Delivery, Issue, SendRateBucket, Subscription, Suppression, email_hash
from newsletters.services.dispatch.errors import CONNECTION, PERMANENT, classify, describe_error

logger = logging.getLogger(__name__)

STATUS_CHECK_SECONDS = 1.0  # how often a worker re-reads the issue's status (pause/cancel take effect within it)
STATUS_CHECK_MESSAGES = 200  # ...or after this many messages, whichever comes first


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
                    self._record_failure(row, PERMANENT, f"Could not build the message: {describe_error(error)}")
                    continue
                error = self._deliver(message)
                if error is None:
                    previous = row.id
                    self.report.sent += 1
                    continue
                kind = classify(error)
                self._record_failure(row, kind, describe_error(error))
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
                reason = f"No longer subscribed ({subscription.status}) when the message was due."
                gone.setdefault(reason, []).append(row.id)
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
                if self.factory.send(self.mail, message) != 1:
                    return RuntimeError("The mail backend did not take the message.")
                return None
            except Exception as error:  # noqa: BLE001 - classified by the caller
                if classify(error) != CONNECTION or attempt == 2:
                    if classify(error) == CONNECTION:
                        self._close_mail()
                    return error
                logger.info("Mail connection lost (%s); reconnecting", describe_error(error))
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
