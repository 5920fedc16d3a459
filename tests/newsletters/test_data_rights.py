"""POPIA data rights for the newsletters: "download my data" holds the member's subscriptions and consent records;
deleting the account, a subscriber's own erasure from the manage page, or staff recording an erasure request,
anonymise deliveries and keep the address only as a hashed suppression."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from hub import registry
from hub.models import AuditEntry
from hub.services.data_rights import delete_account, export_personal_data
from newsletters.models import ConsentRecord, Delivery, Subscriber, Subscription, Suppression, email_hash
from newsletters.services import subscriptions as service
from newsletters.services.audience import audience_queryset
from tests.factories import UserFactory, make_user_with_role
from tests.newsletters.factories import IssueFactory, NewsletterFactory, SubscriberFactory, SubscriptionFactory
from tests.newsletters.subscriber_helpers import commit, link_in  # noqa: F401

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-123"


@pytest.fixture
def member_with_newsletters():
    user = UserFactory(email="busi@example.org", full_name="Busi Nkosi")
    hub_update = NewsletterFactory(name="Knowledge Hub update")
    water = NewsletterFactory(name="Water services bulletin")
    subscription = service.subscribe_member(newsletter=hub_update, user=user)
    service.subscribe_member(newsletter=water, user=user)
    service.unsubscribe(subscription=Subscription.objects.get(newsletter=water))
    issue = IssueFactory(newsletter=hub_update, subject="March update", status="sent")
    delivery = Delivery.objects.create(
        issue=issue, subscriber=subscription.subscriber, subscription=subscription, email="busi@example.org",
        status=Delivery.Status.SENT, sent_at=timezone.now(),
    )
    return user, subscription, delivery


def test_the_newsletters_are_registered_as_a_data_rights_part():
    assert "newsletters" in {part.key for part in registry.data_rights_parts()}


def test_download_my_data_holds_subscriptions_consent_records_and_issues_sent(member_with_newsletters):
    user, subscription, _delivery = member_with_newsletters

    data = export_personal_data(user=user)["newsletters"]

    assert data["subscriber"]["email"] == "busi@example.org"
    by_list = {item["newsletter"]: item for item in data["subscriptions"]}
    assert by_list["Knowledge Hub update"]["status"] == "Subscribed"
    assert by_list["Water services bulletin"]["status"] == "Unsubscribed"
    consent = by_list["Knowledge Hub update"]["consent_records"][0]
    assert consent["method"] == str(ConsentRecord.Method.MEMBER.label)
    assert consent["wording"] == str(subscription.newsletter.consent_wording)
    assert consent["given_at"] and consent["confirmed_at"]
    assert data["issues_sent"] == [{"newsletter": "Knowledge Hub update", "subject": "March update",
                                    "sent_at": data["issues_sent"][0]["sent_at"]}]
    json.dumps(data)  # serialisable as the download is


def test_the_download_includes_the_subscriber_record_of_the_accounts_address(client):
    user = UserFactory(email="lwazi@example.org")
    SubscriptionFactory(subscriber=SubscriberFactory(email="lwazi@example.org"))
    client.force_login(user)

    response = client.post(reverse("hub:data_download"))

    data = json.loads(response.content)
    assert data["newsletters"]["subscriber"]["email"] == "lwazi@example.org"
    assert len(data["newsletters"]["subscriptions"]) == 1


def test_someone_without_subscriptions_gets_an_empty_part():
    assert export_personal_data(user=UserFactory())["newsletters"] == {
        "subscriber": None, "subscriptions": [], "issues_sent": []}


def test_deleting_the_account_erases_the_subscriber_and_keeps_only_a_hashed_suppression(member_with_newsletters):
    user, _subscription, delivery = member_with_newsletters
    stranger = SubscriptionFactory()

    delete_account(user=user, acting_user=user)

    assert not Subscriber.objects.filter(email="busi@example.org").exists()
    assert not Subscription.objects.exclude(pk=stranger.pk).exists()
    assert set(ConsentRecord.objects.values_list("subscription_id", flat=True)) == {stranger.pk}
    delivery.refresh_from_db()
    assert (delivery.subscriber, delivery.subscription, delivery.email) == (None, None, "")
    assert delivery.status == Delivery.Status.SENT  # the issue's figures keep counting it
    suppression = Suppression.objects.get()
    assert suppression.email_hash == email_hash("busi@example.org")
    assert suppression.reason == "erased"
    assert "busi@example.org" not in json.dumps(list(AuditEntry.objects.values("summary", "target_label")))
    stranger.refresh_from_db()
    assert stranger.status == Subscription.Status.SUBSCRIBED


def test_after_erasure_the_address_is_never_mailed_until_it_signs_up_and_confirms_again(
    client, member_with_newsletters, commit
):
    user, subscription, _delivery = member_with_newsletters
    newsletter = subscription.newsletter
    delete_account(user=user, acting_user=user)

    with commit():
        service.subscribe_public(newsletter=newsletter, email="busi@example.org")
    assert not audience_queryset(newsletter=newsletter).exists()
    assert service.is_suppressed("busi@example.org")

    from django.core import mail

    client.post(link_in(mail.outbox[-1], "/confirm/"))
    assert not service.is_suppressed("busi@example.org")
    assert audience_queryset(newsletter=newsletter).count() == 1


def test_staff_record_an_erasure_request(client):
    subscription = SubscriptionFactory(subscriber=SubscriberFactory(email="asked@example.org"))
    issue = IssueFactory(newsletter=subscription.newsletter)
    delivery = Delivery.objects.create(issue=issue, subscriber=subscription.subscriber, subscription=subscription,
                                       email="asked@example.org", status=Delivery.Status.SENT)
    publisher = make_user_with_role("newsletter_publisher")
    client.force_login(publisher)

    response = client.post(reverse("newsletters:subscriber_erase"), {"email": "Asked@Example.org", "confirm": "on"})

    assert response.status_code == 302
    assert not Subscriber.objects.exists()
    delivery.refresh_from_db()
    assert delivery.email == "" and delivery.subscriber is None
    assert Suppression.objects.get().reason == "erased"
    entry = AuditEntry.objects.get(action="newsletters.subscriber_erased")
    assert entry.actor == publisher and "asked@example.org" not in entry.summary


def test_erasing_an_unknown_address_says_so_and_changes_nothing(client):
    client.force_login(make_user_with_role("newsletter_publisher"))

    response = client.post(reverse("newsletters:subscriber_erase"), {"email": "nobody@example.org", "confirm": "on"})

    assert response.status_code == 400
    assert "nothing to erase" in response.content.decode()
    assert not Suppression.objects.exists()


def test_erasure_also_blanks_deliveries_that_kept_only_the_address():
    subscriber = SubscriberFactory(email="gone@example.org")
    issue = IssueFactory()
    orphan = Delivery.objects.create(issue=issue, subscriber=None, email="gone@example.org",
                                     status=Delivery.Status.SENT)

    service.erase_subscriber(subscriber=subscriber)

    orphan.refresh_from_db()
    assert orphan.email == ""
