"""The newsletters' demo data (newsletters.demo, run by `manage.py seed_demo`): a public list with a few hundred
consenting demo subscribers across every province, two issues really sent (rendered and dispatched, to in-memory
mail) whose archive and reports tell what happened, a draft built from hub blocks, and two small lists; seeding twice
changes nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.management import call_command

from hub.models import Province
from networks.models import Event
from newsletters import demo
from newsletters.models import (
    Audience,
    ConsentRecord,
    Delivery,
    Issue,
    Newsletter,
    Subscriber,
    Subscription,
    Suppression,
    email_hash,
)
from newsletters.rendering import render_issue
from newsletters.services.dispatch import progress
from newsletters.tokens import MANAGE_URL_MARKER, UNSUBSCRIBE_URL_MARKER
from resources.models import Resource

pytestmark = pytest.mark.django_db

SENT_SUBJECTS = [spec.subject for spec in demo.SENT_ISSUES]


def snapshot() -> dict[str, list[tuple]]:
    """Every newsletters row the demo writes, as plain values (ids included), to compare two runs."""
    return {
        "newsletters": list(Newsletter.objects.order_by("pk").values_list()),
        "subscribers": list(Subscriber.objects.order_by("pk").values_list()),
        "subscriptions": list(Subscription.objects.order_by("pk").values_list()),
        "consents": list(ConsentRecord.objects.order_by("pk").values_list()),
        "suppressions": list(Suppression.objects.order_by("pk").values_list()),
        "issues": list(Issue.objects.order_by("pk").values_list()),
        "deliveries": list(Delivery.objects.order_by("pk").values_list()),
    }


def test_seed_demo_twice_gives_the_newsletters_demo_once(settings):
    # Given a development site (the demo refuses production) that sends without approval
    settings.DEBUG = True
    settings.NEWSLETTER_REQUIRE_APPROVAL = False
    out = io.StringIO()

    # When the whole demo is seeded twice through the real command
    call_command("seed_demo", stdout=out)
    first = snapshot()
    sent_by_first_run = len(mail.outbox)
    call_command("seed_demo", stdout=out)

    # Then the second run changed nothing and sent nothing
    assert snapshot() == first, "seeding the demo a second time changed the newsletters"
    assert len(mail.outbox) == sent_by_first_run, "seeding the demo a second time sent mail"
    assert "newsletter: Knowledge Hub update" in out.getvalue()

    # And the demo is complete (each part checked below)
    check_public_list_has_a_few_hundred_consenting_demo_subscribers_across_every_province()
    check_two_issues_were_really_sent_and_their_archive_and_reports_tell_what_happened()
    check_the_draft_features_demo_resources_upcoming_events_and_discussions()
    check_members_and_staff_lists_are_small_and_subscribed_with_one_click()


def check_public_list_has_a_few_hundred_consenting_demo_subscribers_across_every_province() -> None:
    newsletter = Newsletter.objects.get(slug=demo.PUBLIC_SLUG)
    assert newsletter.name == "Knowledge Hub update" and newsletter.audience == Audience.PUBLIC

    subscriptions = Subscription.objects.filter(newsletter=newsletter).select_related("subscriber")
    subscribed = subscriptions.filter(status=Subscription.Status.SUBSCRIBED)
    assert 300 <= subscribed.count() <= 400
    provinces = set(subscribed.values_list("subscriber__province__code", flat=True))
    assert provinces == set(Province.objects.values_list("code", flat=True))
    assert subscribed.values("subscriber__municipality").distinct().count() >= 200
    assert subscribed.values("subscriber__language").distinct().count() >= 8

    # Clearly demo addresses, each with the consent that makes it lawful
    assert all(s.subscriber.email.endswith("@demo.lgkh.org.za") for s in subscriptions)
    for subscription in subscriptions.prefetch_related("consents"):
        consents = list(subscription.consents.all())
        assert consents, subscription.subscriber.email
    imported = ConsentRecord.objects.filter(subscription__newsletter=newsletter, method=ConsentRecord.Method.IMPORT)
    assert imported.count() == demo.SUBSCRIBER_COUNT
    assert set(imported.values_list("wording", flat=True)) == set(demo.CONSENT_BASES)
    assert all("demo-subscribers.csv" in source for source in imported.values_list("source", flat=True))
    members = ConsentRecord.objects.filter(subscription__newsletter=newsletter, method=ConsentRecord.Method.MEMBER)
    assert set(members.values_list("subscription__subscriber__email", flat=True)) == set(demo.MEMBER_SUBSCRIBERS)


def check_two_issues_were_really_sent_and_their_archive_and_reports_tell_what_happened() -> None:
    newsletter = Newsletter.objects.get(slug=demo.PUBLIC_SLUG)
    first, second = (Issue.objects.get(newsletter=newsletter, subject=subject) for subject in SENT_SUBJECTS)

    # Both are in the public archive, oldest first in time, rendered with the footer's per-recipient markers
    archive = Issue.objects.visible_to(AnonymousUser()).filter(newsletter=newsletter)
    assert set(archive) == {first, second}
    assert first.sent_at < second.sent_at
    for issue in (first, second):
        assert issue.status == Issue.Status.SENT
        assert UNSUBSCRIBE_URL_MARKER in issue.rendered_html and MANAGE_URL_MARKER in issue.rendered_text
    assert Resource.objects.get(slug="non-revenue-water-reduction-toolkit").title in first.rendered_html
    assert Resource.objects.get(slug="ward-committee-handbook").title in second.rendered_text

    # Every delivery row is a real one, marked sent, and each message went to in-memory mail with its own headers
    for issue in (first, second):
        deliveries = Delivery.objects.filter(issue=issue)
        assert deliveries.count() == issue.recipient_count > 300
        assert set(deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
        messages = [message for message in mail.outbox if message.subject == issue.subject]
        assert len(messages) == issue.recipient_count
        assert {message.to[0] for message in messages} == set(deliveries.values_list("email", flat=True))
        assert all(message.extra_headers["List-Unsubscribe"].startswith("<") for message in messages)

    # Readers left through the first issue's link and one address bounced: its report counts them ...
    report = progress(issue=first)
    assert (report.sent, report.unsubscribed, report.bounced, report.failed) == (
        first.recipient_count, demo.UNSUBSCRIBED_BY_FIRST_ISSUE, 1, 0
    )
    bounced = Delivery.objects.get(issue=first, bounced_at__isnull=False)
    assert Suppression.objects.filter(email_hash=email_hash(bounced.email)).exists()
    # ... and the second issue went to everyone else, not to them
    left = set(Subscription.objects.filter(ended_by_issue=first).values_list("subscriber_id", flat=True))
    assert len(left) == demo.UNSUBSCRIBED_BY_FIRST_ISSUE
    second_recipients = set(Delivery.objects.filter(issue=second).values_list("subscriber_id", flat=True))
    assert not second_recipients & (left | {bounced.subscriber_id})
    assert second.recipient_count == first.recipient_count - demo.UNSUBSCRIBED_BY_FIRST_ISSUE - 1


def check_the_draft_features_demo_resources_upcoming_events_and_discussions() -> None:
    draft = Issue.objects.get(newsletter__slug=demo.PUBLIC_SLUG, status=Issue.Status.DRAFT)
    assert "{{ resource:" in draft.body and "{{ events: 3 }}" in draft.body

    html, text = render_issue(issue=draft)

    assert Resource.objects.get(slug="mfma-circular-129-explained-budgeting-2026-27").title in html
    assert Resource.objects.get(slug="budget-funding-assessment-template").title in text
    upcoming = Event.objects.filter(network__visibility="public", is_published=True, is_cancelled=False).upcoming()
    assert upcoming.exists()
    assert upcoming.first().title in html
    assert "How do you formalise informal traders" in html


def check_members_and_staff_lists_are_small_and_subscribed_with_one_click() -> None:
    members = Newsletter.objects.get(slug=demo.MEMBERS_SLUG)
    staff = Newsletter.objects.get(slug=demo.STAFF_SLUG)
    assert (members.audience, staff.audience) == (Audience.MEMBERS, Audience.STAFF)
    for newsletter, emails in ((members, demo.MEMBERS_LIST_SUBSCRIBERS), (staff, demo.STAFF_LIST_SUBSCRIBERS)):
        subscribed = Subscription.objects.filter(newsletter=newsletter, status=Subscription.Status.SUBSCRIBED)
        assert set(subscribed.values_list("subscriber__email", flat=True)) == set(emails)
        assert set(ConsentRecord.objects.filter(subscription__newsletter=newsletter)
                   .values_list("method", flat=True)) == {ConsentRecord.Method.MEMBER}
        assert not Issue.objects.visible_to(AnonymousUser()).filter(newsletter=newsletter).exists()


def test_with_approval_required_the_demo_administrator_approves_the_sends(settings):
    settings.DEBUG = True
    settings.NEWSLETTER_REQUIRE_APPROVAL = True

    call_command("seed_demo", stdout=io.StringIO())

    sent = Issue.objects.filter(newsletter__slug=demo.PUBLIC_SLUG, status=Issue.Status.SENT)
    assert sent.count() == 2
    assert set(sent.values_list("approved_by__email", flat=True)) == {"admin@demo.lgkh.org.za"}
    assert set(sent.values_list("created_by__email", flat=True)) == {demo.PUBLISHER}
