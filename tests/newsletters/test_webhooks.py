"""Providers' bounce and complaint webhooks (django-anymail's tracking views under /newsletters/webhooks/), posted
as the providers post them: Postmark's bounce, spam-complaint and delivery JSON and SendGrid's event batch, with
HTTP basic auth. Unauthenticated or forged posts, and any post while no secret is configured, change nothing."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletters.models import Delivery, Subscriber, Subscription, Suppression, email_hash
from tests.newsletters.factories import IssueFactory, SubscriberFactory, SubscriptionFactory
from tests.newsletters.subscriber_helpers import snapshot

pytestmark = pytest.mark.django_db

SECRET = "hub-webhooks:a-long-random-webhook-password"
POSTMARK = "/newsletters/webhooks/postmark/tracking/"
SENDGRID = "/newsletters/webhooks/sendgrid/tracking/"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 3
    return settings


def auth(credentials: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def postmark_bounce(email: str, *, kind: str = "HardBounce", bounce_id: int = 4323372036854775807) -> dict:
    """Postmark's bounce webhook body (RecordType Bounce), as in Postmark's documentation."""
    return {
        "RecordType": "Bounce",
        "MessageStream": "broadcast",
        "ID": bounce_id,
        "Type": kind,
        "TypeCode": {"HardBounce": 1, "SoftBounce": 4096, "Transient": 2}[kind],
        "Name": {"HardBounce": "Hard bounce", "SoftBounce": "Soft bounce", "Transient": "Message delayed"}[kind],
        "Tag": "knowledge-hub-update",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "newsletter@salga.org.za",
        "BouncedAt": "2025-11-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": kind == "HardBounce",
        "CanActivate": True,
        "Subject": "Knowledge Hub update",
        "Content": "Return-Path: <>\r\n...",
    }


def postmark_complaint(email: str) -> dict:
    """Postmark's spam-complaint webhook body (RecordType SpamComplaint)."""
    return {
        "RecordType": "SpamComplaint",
        "MessageStream": "broadcast",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Tag": "knowledge-hub-update",
        "MessageID": "00000000-0000-0000-0000-000000000000",
        "Metadata": {},
        "ServerID": 1234,
        "Description": "",
        "Details": "Test spam complaint details",
        "Email": email,
        "From": "newsletter@salga.org.za",
        "BouncedAt": "2025-11-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "Knowledge Hub update",
        "Content": "<Abuse report dump>",
    }


def postmark_delivery(email: str) -> dict:
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "broadcast",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Recipient": email,
        "Tag": "knowledge-hub-update",
        "DeliveredAt": "2025-11-05T16:33:54.9070259Z",
        "Details": "Test delivery webhook details",
        "Metadata": {},
    }


def post(client, url: str, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def recipient():
    """A subscriber on two lists, who received an issue of the first."""
    subscription = SubscriptionFactory(subscriber=SubscriberFactory(email="zanele@example.org"))
    other = SubscriptionFactory(subscriber=subscription.subscriber)
    issue = IssueFactory(newsletter=subscription.newsletter, status="sent")
    delivery = Delivery.objects.create(
        issue=issue, subscriber=subscription.subscriber, subscription=subscription, email="zanele@example.org",
        status=Delivery.Status.SENT, sent_at=timezone.now(),
    )
    return subscription, other, delivery


def test_a_hard_bounce_marks_every_subscription_bounced_suppresses_and_stamps_the_delivery(client, recipient):
    subscription, other, delivery = recipient

    response = post(client, POSTMARK, postmark_bounce("Zanele@example.org"), **auth())

    assert response.status_code == 200
    for item in (subscription, other):
        item.refresh_from_db()
        assert item.status == Subscription.Status.BOUNCED
    assert Suppression.objects.get(email_hash=email_hash("zanele@example.org")).reason == "bounced"
    delivery.refresh_from_db()
    assert delivery.bounced_at is not None


def test_a_spam_complaint_ends_the_subscriptions_suppresses_and_is_counted_for_the_issue(client, recipient):
    subscription, other, delivery = recipient

    response = post(client, POSTMARK, postmark_complaint("zanele@example.org"), **auth())

    assert response.status_code == 200
    subscription.refresh_from_db()
    other.refresh_from_db()
    assert subscription.status == other.status == Subscription.Status.COMPLAINED
    assert subscription.ended_by_issue == delivery.issue
    assert other.ended_by_issue is None
    assert Suppression.objects.get().reason == "complained"
    delivery.refresh_from_db()
    assert delivery.complained_at is not None


def test_soft_bounces_count_and_the_limit_counts_as_hard(client, recipient):
    subscription, _other, delivery = recipient

    for number in (1, 2):
        post(client, POSTMARK, postmark_bounce("zanele@example.org", kind="SoftBounce", bounce_id=number), **auth())
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUBSCRIBED
    assert Subscriber.objects.get(email="zanele@example.org").soft_bounce_count == 2
    assert not Suppression.objects.exists()

    post(client, POSTMARK, postmark_bounce("zanele@example.org", kind="SoftBounce", bounce_id=3), **auth())

    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.BOUNCED
    assert Suppression.objects.get().reason == "bounced"
    delivery.refresh_from_db()
    assert delivery.bounced_at is not None


def test_a_delivery_resets_the_soft_bounce_count(client, recipient):
    for number in (1, 2):
        post(client, POSTMARK, postmark_bounce("zanele@example.org", kind="SoftBounce", bounce_id=number), **auth())

    post(client, POSTMARK, postmark_delivery("zanele@example.org"), **auth())
    post(client, POSTMARK, postmark_bounce("zanele@example.org", kind="SoftBounce", bounce_id=3), **auth())

    assert Subscriber.objects.get().soft_bounce_count == 1
    assert Subscription.objects.filter(status=Subscription.Status.BOUNCED).count() == 0


def test_a_provider_retrying_the_same_event_counts_it_once(client, recipient):
    body = postmark_bounce("zanele@example.org", kind="SoftBounce", bounce_id=777)
    for _ in range(3):
        assert post(client, POSTMARK, body, **auth()).status_code == 200

    assert Subscriber.objects.get().soft_bounce_count == 1
    assert not Suppression.objects.exists()


def test_a_replayed_hard_bounce_changes_nothing_more(client, recipient):
    post(client, POSTMARK, postmark_bounce("zanele@example.org"), **auth())
    before = snapshot()

    post(client, POSTMARK, postmark_bounce("zanele@example.org", bounce_id=99), **auth())

    assert snapshot() == before


def test_sendgrid_events_are_matched_to_the_delivery_by_our_message_id(client, recipient):
    subscription, _other, older = recipient
    newer = Delivery.objects.create(
        issue=IssueFactory(newsletter=subscription.newsletter, status="sent"), subscriber=subscription.subscriber,
        subscription=subscription, email="zanele@example.org", status=Delivery.Status.SENT,
        sent_at=timezone.now() + timedelta(minutes=5),
    )
    events = [
        {
            "email": "zanele@example.org",
            "timestamp": 1513299569,
            "smtp-id": older.message_id,
            "event": "bounce",
            "category": "newsletter",
            "sg_event_id": "6g4ZI7SA-xmRDv57GoPIPw==",
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
            "reason": "500 unknown recipient",
            "status": "5.0.0",
            "type": "bounce",
        }
    ]

    response = post(client, SENDGRID, events, **auth())

    assert response.status_code == 200
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.bounced_at is not None and newer.bounced_at is None
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.BOUNCED


def test_a_sendgrid_blocked_bounce_is_soft(client, recipient):
    events = [{"email": "zanele@example.org", "timestamp": 1513299569, "event": "bounce", "type": "blocked",
               "status": "4.0.0", "reason": "Temporarily rejected", "sg_event_id": "abc",
               "sg_message_id": "x.filter0001"}]

    post(client, SENDGRID, events, **auth())

    assert Subscriber.objects.get().soft_bounce_count == 1
    assert not Suppression.objects.exists()


def test_events_about_unknown_addresses_change_nothing(client, recipient):
    before = snapshot()
    assert post(client, POSTMARK, postmark_bounce("stranger@example.org"), **auth()).status_code == 200
    assert post(client, POSTMARK, postmark_complaint("stranger@example.org"), **auth()).status_code == 200
    assert snapshot() == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth("hub-webhooks:wrong-password"),
        auth("someone:" + SECRET.split(":", 1)[1]),
        {"HTTP_AUTHORIZATION": "Bearer " + SECRET},
        {"HTTP_AUTHORIZATION": "Basic not-base64!"},
    ],
)
def test_unauthenticated_or_forged_webhooks_are_rejected_and_change_nothing(client, recipient, headers):
    before = snapshot()

    responses = [
        post(client, POSTMARK, postmark_complaint("zanele@example.org"), **headers),
        post(client, POSTMARK, postmark_bounce("zanele@example.org"), **headers),
        post(client, SENDGRID, [{"email": "zanele@example.org", "event": "spamreport", "timestamp": 1}], **headers),
    ]

    assert [response.status_code for response in responses] == [400, 400, 400]
    assert snapshot() == before


@pytest.mark.parametrize("secret", [None, "", "   ", []])
def test_without_a_configured_secret_every_webhook_is_refused(client, recipient, settings, secret):
    settings.ANYMAIL = {"WEBHOOK_SECRET": secret}
    before = snapshot()

    for headers in ({}, auth()):
        response = post(client, POSTMARK, postmark_complaint("zanele@example.org"), **headers)
        assert response.status_code == 403

    assert snapshot() == before


def test_the_webhook_urls_are_named_in_the_newsletters_namespace():
    assert reverse("newsletters:postmark_tracking_webhook") == POSTMARK
    assert reverse("newsletters:sendgrid_tracking_webhook") == SENDGRID


def test_a_get_is_not_accepted(client):
    assert client.get(POSTMARK, **auth()).status_code == 405


def test_bounced_addresses_are_left_out_of_the_next_send(client, recipient):
    from newsletters.services.audience import audience_queryset

    subscription, _other, _delivery = recipient
    newsletter = subscription.newsletter
    assert audience_queryset(newsletter=newsletter).count() == 1

    post(client, POSTMARK, postmark_bounce("zanele@example.org"), **auth())

    assert audience_queryset(newsletter=newsletter).count() == 0
