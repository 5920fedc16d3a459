"""The permission matrix of the newsletters' publishing and archive pages: visitor, member, SALGA staff, newsletter
publisher and site administrator over every view. Denied reads answer 404 for lists and issues a person may not know
exist (403 only for the dashboard and "new newsletter", whose existence is no secret; visitors are asked to log in),
and denied writes change nothing: no row, no delivery, no mail, no audit entry."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from hub.models import AuditEntry
from newsletters.models import Audience, Delivery, Issue, Newsletter
from newsletters.permissions import can_approve_issue, can_publish_newsletters
from tests.factories import make_user_with_role
from tests.newsletters.factories import IssueFactory, NewsletterFactory, SubscriptionFactory
from tests.newsletters.publishing_helpers import sent_issue

pytestmark = pytest.mark.django_db

PEOPLE = ["visitor", "member", "salga_staff", "newsletter_publisher", "site_administrator"]
PUBLISHERS = {"newsletter_publisher", "site_administrator"}
EVERYONE = set(PEOPLE)
STAFF_READERS = {"salga_staff", "newsletter_publisher", "site_administrator"}


@pytest.fixture(autouse=True)
def _newsletter_settings(settings):
    settings.NEWSLETTER_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_REQUIRE_APPROVAL = False


def _world():
    public = NewsletterFactory(audience=Audience.PUBLIC)
    staff = NewsletterFactory(audience=Audience.STAFF)
    SubscriptionFactory(newsletter=public)
    return {
        "public": public,
        "staff": staff,
        "draft": IssueFactory(newsletter=public, subject="Draft"),
        "sending": IssueFactory(newsletter=public, subject="Sending", status=Issue.Status.SENDING),
        "public_sent": sent_issue(public, subject="Public sent"),
        "staff_sent": sent_issue(staff, subject="Staff sent"),
    }


# (view name, how to build its arguments, who gets 200)
READS = [
    ("newsletters:index", lambda w: [], EVERYONE),
    ("newsletters:archive", lambda w: [w["public"].slug], EVERYONE),
    ("newsletters:archive", lambda w: [w["staff"].slug], STAFF_READERS),
    ("newsletters:feed", lambda w: [w["public"].slug], EVERYONE),
    ("newsletters:feed", lambda w: [w["staff"].slug], STAFF_READERS),
    ("newsletters:issue", lambda w: [w["public"].slug, w["public_sent"].slug], EVERYONE),
    ("newsletters:issue", lambda w: [w["staff"].slug, w["staff_sent"].slug], STAFF_READERS),
    ("newsletters:issue", lambda w: [w["public"].slug, w["draft"].slug], PUBLISHERS),
    ("newsletters:publishing_dashboard", lambda w: [], PUBLISHERS),
    ("newsletters:newsletter_create", lambda w: [], PUBLISHERS),
    ("newsletters:newsletter_edit", lambda w: [w["public"].slug], PUBLISHERS),
    ("newsletters:issue_create", lambda w: [w["public"].slug], PUBLISHERS),
    ("newsletters:audience_count", lambda w: [w["public"].slug], PUBLISHERS),
    ("newsletters:issue_detail", lambda w: [w["draft"].pk], PUBLISHERS),
    ("newsletters:issue_detail", lambda w: [w["public_sent"].pk], PUBLISHERS),
    ("newsletters:issue_edit", lambda w: [w["draft"].pk], PUBLISHERS),
    ("newsletters:issue_progress", lambda w: [w["public_sent"].pk], PUBLISHERS),
    ("newsletters:issue_preview", lambda w: [w["draft"].pk], PUBLISHERS),
    ("newsletters:issue_preview_email", lambda w: [w["draft"].pk], PUBLISHERS),
    ("newsletters:issue_test", lambda w: [w["draft"].pk], PUBLISHERS),
    ("newsletters:issue_send", lambda w: [w["draft"].pk], PUBLISHERS),
    ("newsletters:issue_schedule", lambda w: [w["draft"].pk], PUBLISHERS),
    ("newsletters:issue_cancel", lambda w: [w["sending"].pk], PUBLISHERS),
    ("newsletters:issue_progress", lambda w: [w["sending"].pk], PUBLISHERS),
]
NOT_SECRET = {"newsletters:publishing_dashboard", "newsletters:newsletter_create"}


@pytest.mark.parametrize("role", PEOPLE)
def test_read_matrix(client, role):
    world = _world()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    failures = []
    for name, arguments, allowed in READS:
        url = reverse(name, args=arguments(world))
        status = client.get(url).status_code
        if role in allowed:
            if status != 200:
                failures.append(f"{url} ({name}): expected 200, got {status}")
        elif role == "visitor" and name.startswith("newsletters:") and "manage" in url:
            if status != 302:
                failures.append(f"{url} ({name}): a visitor should be asked to log in, got {status}")
        elif name in NOT_SECRET:
            if status != 403:
                failures.append(f"{url} ({name}): expected 403, got {status}")
        elif status != 404:
            failures.append(f"{url} ({name}): expected 404 (not revealed), got {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["member", "salga_staff"])
def test_a_missing_issue_and_a_forbidden_one_look_the_same(client, role):
    world = _world()
    client.force_login(make_user_with_role(role))
    real = client.get(reverse("newsletters:issue_detail", args=[world["draft"].pk])).status_code
    missing = client.get(reverse("newsletters:issue_detail", args=[999_999])).status_code
    assert real == missing == 404


def _snapshot() -> tuple:
    return (
        list(Newsletter.objects.order_by("pk").values_list("pk", "name", "sender_name", "is_active")),
        list(Issue.objects.order_by("pk").values_list(
            "pk", "subject", "body", "status", "scheduled_at", "approved_at", "rendered_html")),
        Delivery.objects.count(),
        AuditEntry.objects.count(),
        len(mail.outbox),
    )


def _writes(world, settings):
    draft, sending = world["draft"], world["sending"]
    when = timezone.localtime(timezone.now() + datetime.timedelta(days=1))
    return [
        (reverse("newsletters:newsletter_create"), {
            "name": "Sneaky", "slug": "sneaky", "description": "x", "audience": "public", "language": "en",
            "sender_name": "X", "sender_email": "x@example.org", "physical_address": "x", "contact_details": "x",
            "consent_wording": "x", "is_active": "on"}),
        (reverse("newsletters:newsletter_edit", args=[world["public"].slug]), {"name": "Renamed"}),
        (reverse("newsletters:issue_create", args=[world["public"].slug]), {"subject": "Sneaky", "body": "x"}),
        (reverse("newsletters:issue_edit", args=[draft.pk]), {"subject": "Changed", "body": "Changed"}),
        (reverse("newsletters:issue_approve", args=[draft.pk]), {}),
        (reverse("newsletters:issue_test", args=[draft.pk]), {"addresses": "me@example.org"}),
        (reverse("newsletters:issue_send", args=[draft.pk]), {}),
        (reverse("newsletters:issue_schedule", args=[draft.pk]),
         {"date": when.date().isoformat(), "time": when.strftime("%H:%M")}),
        (reverse("newsletters:issue_unschedule", args=[draft.pk]), {}),
        (reverse("newsletters:issue_pause", args=[sending.pk]), {}),
        (reverse("newsletters:issue_resume", args=[sending.pk]), {}),
        (reverse("newsletters:issue_cancel", args=[sending.pk]), {}),
    ]


@pytest.mark.parametrize("role", ["visitor", "member", "salga_staff", "content_reviewer"])
def test_denied_writes_change_nothing(client, role, settings, django_capture_on_commit_callbacks):
    settings.NEWSLETTER_REQUIRE_APPROVAL = True  # so that "approve" is a write someone could attempt
    world = _world()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    before = _snapshot()
    for url, data in _writes(world, settings):
        with django_capture_on_commit_callbacks(execute=True):
            status = client.post(url, data).status_code
        assert status in (302, 403, 404), (url, status)
        if role != "visitor":
            assert status in (403, 404), (url, status)
    assert _snapshot() == before


def test_predicates():
    publisher = make_user_with_role("newsletter_publisher")
    other = make_user_with_role("newsletter_publisher")
    administrator = make_user_with_role("site_administrator")
    assert can_publish_newsletters(publisher) and can_publish_newsletters(administrator)
    for role in ("visitor", "member", "salga_staff", "content_reviewer", "municipal_official"):
        assert not can_publish_newsletters(make_user_with_role(role))
    issue = IssueFactory(created_by=publisher)
    from django.test import override_settings

    with override_settings(NEWSLETTER_REQUIRE_APPROVAL=True):
        assert not can_approve_issue(publisher, issue)
        assert can_approve_issue(other, issue) and can_approve_issue(administrator, issue)
        issue.status = Issue.Status.SENDING
        assert not can_approve_issue(other, issue)
    with override_settings(NEWSLETTER_REQUIRE_APPROVAL=False):
        assert not can_approve_issue(other, IssueFactory(created_by=publisher))
