"""Helpers for the subscriber tests: run on-commit side effects, find links in the emails sent, and fill the
public sign-up form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail

from newsletters.models import Subscriber, Subscription

LINK = re.compile(r"https?://\S+")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit(): ...` runs the block's on-commit callbacks (mail) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def link_in(message: Any, fragment: str) -> str:
    """The path (without SITE_URL) of the first link in `message` containing `fragment`."""
    for url in LINK.findall(message.body):
        if fragment in url:
            assert url.startswith(settings.SITE_URL)
            return url[len(settings.SITE_URL):]
    raise AssertionError(f"no link with {fragment!r} in: {message.body}")


def sign_up_data(**overrides: Any) -> dict[str, str]:
    data = {"email": "thandi@example.org", "name": "Thandi Mokoena", "municipality": "", "function": "",
            "language": "en", "consent": "on"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def snapshot() -> tuple:
    """Everything a subscriber-side write could change, to assert that something changed nothing."""
    from newsletters.models import ConsentRecord, Delivery, Suppression

    return (
        sorted(Subscriber.objects.values_list("email", "name", "user_id", "soft_bounce_count", "language")),
        sorted(Subscription.objects.values_list("subscriber_id", "newsletter_id", "status", "unsubscribed_at",
                                                "ended_by_issue_id")),
        sorted(ConsentRecord.objects.values_list("subscription_id", "method", "confirmed_at")),
        sorted(Suppression.objects.values_list("email_hash", "reason")),
        sorted(Delivery.objects.values_list("pk", "email", "bounced_at", "complained_at", "subscriber_id")),
        len(mail.outbox),
    )
