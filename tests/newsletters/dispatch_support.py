"""Shared set-up of the dispatch tests: settings, a fixed rendering with the footer markers, and a list with
subscribers. Import the fixtures you use into the test module."""

from __future__ import annotations

import pytest

from newsletters.models import Delivery, Issue, Newsletter
from tests.newsletters.factories import IssueFactory, NewsletterFactory, SubscriptionFactory

RENDERED_HTML = (
    "<!doctype html><html><body><h1>Knowledge Hub update</h1><p>New resources this month.</p>"
    '<p><a href="[[unsubscribe_url]]">Unsubscribe</a> · <a href="[[manage_url]]">Manage your subscriptions</a></p>'
    "</body></html>"
)
RENDERED_TEXT = (
    "Knowledge Hub update\n\nNew resources this month.\n\n"
    "Unsubscribe: [[unsubscribe_url]]\nManage your subscriptions: [[manage_url]]\n"
)


@pytest.fixture
def dispatch_settings(settings):
    settings.NEWSLETTER_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_BATCH_SIZE = 200
    settings.NEWSLETTER_LEASE_SECONDS = 120
    settings.NEWSLETTER_WORKERS_PER_SEND = 2
    settings.NEWSLETTER_RATE_PER_SECOND = 0
    settings.NEWSLETTER_RATE_PER_HOUR = 0
    settings.NEWSLETTER_MAX_ATTEMPTS = 5
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    settings.NEWSLETTER_REQUIRE_APPROVAL = False
    settings.SITE_URL = "https://hub.example.org"
    return settings


@pytest.fixture
def rendered(monkeypatch):
    """The renderer's output fixed to a small page with both markers (the renderer has its own tests)."""
    import newsletters.rendering

    monkeypatch.setattr(newsletters.rendering, "render_issue", lambda *, issue: (RENDERED_HTML, RENDERED_TEXT))


def make_issue(subscribers: int, **issue_fields) -> Issue:
    """A public list with `subscribers` confirmed subscribers and a draft issue of it."""
    newsletter: Newsletter = NewsletterFactory()
    for _ in range(subscribers):
        SubscriptionFactory(newsletter=newsletter)
    return IssueFactory(newsletter=newsletter, **issue_fields)


def statuses(issue: Issue) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Delivery.objects.filter(issue=issue).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts
