"""Signed links: tampered, expired and revoked confirm, manage and unsubscribe links answer 400 with a clear page
and change nothing; unsubscribe links never expire."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.urls import reverse

from newsletters import tokens
from newsletters.models import Subscription
from tests.newsletters.factories import SubscriberFactory, SubscriptionFactory
from tests.newsletters.subscriber_helpers import snapshot

pytestmark = pytest.mark.django_db

DAY = 86400


def made_days_ago(monkeypatch, days: int, make):
    """A token made `days` days ago (signing stamps tokens with time.time())."""
    now = time.time()
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: now - days * DAY)
        return make()


@pytest.fixture
def pending():
    subscription = SubscriptionFactory(status=Subscription.Status.PENDING, consent=False)
    subscription.consents.create(method="form", wording=subscription.newsletter.consent_wording)
    return subscription


def test_an_expired_confirmation_link_answers_400_and_confirms_nothing(client, pending, settings, monkeypatch):
    settings.NEWSLETTER_CONFIRM_TOKEN_DAYS = 7
    token = made_days_ago(monkeypatch, 8, lambda: tokens.make_confirm_token(subscription=pending))
    path = reverse("newsletters:confirm", args=[token])
    before = snapshot()

    assert client.get(path).status_code == 400
    response = client.post(path)

    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert snapshot() == before


def test_a_confirmation_link_inside_its_lifetime_still_works(client, pending, settings, monkeypatch):
    settings.NEWSLETTER_CONFIRM_TOKEN_DAYS = 7
    token = made_days_ago(monkeypatch, 6, lambda: tokens.make_confirm_token(subscription=pending))

    client.post(reverse("newsletters:confirm", args=[token]))

    pending.refresh_from_db()
    assert pending.status == Subscription.Status.SUBSCRIBED


def test_a_tampered_confirmation_link_answers_400(client, pending):
    token = tokens.make_confirm_token(subscription=pending)
    before = snapshot()
    for candidate in (token[:-2] + "xx", "x" + token, token.replace(":", "", 1), "garbage"):
        assert client.post(reverse("newsletters:confirm", args=[candidate])).status_code == 400
    assert snapshot() == before


def test_a_confirmation_token_cannot_be_used_as_an_unsubscribe_or_manage_token(client, pending):
    token = tokens.make_confirm_token(subscription=pending)
    assert client.post(reverse("newsletters:unsubscribe", args=[token])).status_code == 400
    assert client.get(reverse("newsletters:manage", args=[token])).status_code == 400


def test_an_expired_manage_link_answers_400_and_changes_nothing(client, settings, monkeypatch):
    settings.NEWSLETTER_MANAGE_TOKEN_DAYS = 30
    subscription = SubscriptionFactory()
    token = made_days_ago(monkeypatch, 31, lambda: tokens.make_manage_token(subscriber=subscription.subscriber))
    path = reverse("newsletters:manage", args=[token])
    before = snapshot()

    assert client.get(path).status_code == 400
    response = client.post(path, {"action": "stop_all"})

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert snapshot() == before


def test_a_manage_token_for_one_subscriber_cannot_be_rewritten_to_name_another(client):
    mine, theirs = SubscriberFactory(), SubscriberFactory()
    SubscriptionFactory(subscriber=theirs)
    token = tokens.make_manage_token(subscriber=mine)
    forged = tokens.make_manage_token(subscriber=theirs).split(":", 1)[0] + ":" + token.split(":", 1)[1]
    before = snapshot()

    assert client.post(reverse("newsletters:manage", args=[forged]), {"action": "stop_all"}).status_code == 400
    assert snapshot() == before


def test_unsubscribe_links_never_expire(client, monkeypatch):
    subscription = SubscriptionFactory()
    token = made_days_ago(monkeypatch, 3 * 365, lambda: tokens.make_unsubscribe_token(subscription=subscription))

    assert client.post(reverse("newsletters:unsubscribe", args=[token])).status_code == 200

    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
