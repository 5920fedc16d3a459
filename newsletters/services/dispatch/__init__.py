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

Modules: sending (start, schedule, pause, resume, cancel, test send, progress, recovery), worker (the worker loop
and the rate cap), errors (what a sending error means).
"""

from newsletters.services.dispatch.errors import CONNECTION, PERMANENT, TEMPORARY, classify, describe_error
from newsletters.services.dispatch.sending import (
    ACTION_CANCELLED,
    ACTION_PAUSED,
    ACTION_RESUMED,
    ACTION_SCHEDULED,
    ACTION_SCHEDULED_SEND_FAILED,
    ACTION_SEND_STARTED,
    ACTION_TEST_SENT,
    ACTION_UNSCHEDULED,
    MAX_TEST_ADDRESSES,
    SHOWN_ZONE,
    Progress,
    RecoveryReport,
    SendRefused,
    cancel_send,
    enqueue_workers,
    pause_send,
    progress,
    recover,
    resume_send,
    schedule_send,
    send_test,
    start_due_issue,
    start_send,
    unschedule,
)
from newsletters.services.dispatch.worker import WorkerReport, run_worker, take_send_permit

__all__ = [
    "ACTION_CANCELLED", "ACTION_PAUSED", "ACTION_RESUMED", "ACTION_SCHEDULED", "ACTION_SCHEDULED_SEND_FAILED",
    "ACTION_SEND_STARTED", "ACTION_TEST_SENT", "ACTION_UNSCHEDULED", "CONNECTION", "MAX_TEST_ADDRESSES",
    "PERMANENT", "SHOWN_ZONE", "TEMPORARY", "Progress", "RecoveryReport", "SendRefused", "WorkerReport",
    "cancel_send", "classify", "describe_error", "enqueue_workers", "pause_send", "progress", "recover",
    "resume_send", "run_worker", "schedule_send", "send_test", "start_due_issue", "start_send",
    "take_send_permit", "unschedule",
]
