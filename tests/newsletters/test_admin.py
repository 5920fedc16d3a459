"""Django admin of the newsletters: every changelist and change page renders with search and filters; evidence
(consent, suppressions, deliveries) and issue state are read-only; a list's header values are checked there too."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hub.models import User
from newsletters.models import Delivery, Issue, Newsletter, Suppression, email_hash
from tests.newsletters.factories import IssueFactory, NewsletterFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

MODELS = [model for model in admin.site._registry if model._meta.app_label == "newsletters"]


@pytest.fixture
def superuser_client():
    superuser = User.objects.create_superuser(email="root@salga.org.za", password="a-long-test-password-123",
                                              full_name="Root")
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def data():
    subscription = SubscriptionFactory(subscriber__name="<script>x</script> Thandi")
    issue = IssueFactory(newsletter=subscription.newsletter, status=Issue.Status.SENT, sent_at=timezone.now())
    Delivery.objects.create(issue=issue, subscriber=subscription.subscriber, subscription=subscription,
                            email=subscription.subscriber.email, status=Delivery.Status.SENT, sent_at=timezone.now())
    Suppression.objects.create(email_hash=email_hash("gone@example.org"), reason="complained")
    return {"subscription": subscription, "issue": issue}


def test_every_newsletters_model_is_registered():
    assert {model.__name__ for model in MODELS} == {
        "Newsletter", "Subscriber", "Subscription", "Suppression", "Issue", "Delivery",
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelists_and_change_pages_render(superuser_client, data, model):
    url = reverse(f"admin:newsletters_{model._meta.model_name}_changelist")
    response = superuser_client.get(url)
    assert response.status_code == 200 and b"<script>x</script>" not in response.content
    assert superuser_client.get(url, {"q": "thandi"}).status_code == 200
    instance = model.objects.first()
    change = superuser_client.get(reverse(f"admin:newsletters_{model._meta.model_name}_change", args=[instance.pk]))
    assert change.status_code == 200


@pytest.mark.parametrize("model", [Issue, Delivery, Suppression], ids=lambda model: model.__name__)
def test_state_and_evidence_cannot_be_changed_or_added(superuser_client, data, model):
    instance = model.objects.first()
    url = reverse(f"admin:newsletters_{model._meta.model_name}_change", args=[instance.pk])
    before = list(model.objects.values())
    superuser_client.post(url, {"status": "draft", "reason": "bounced", "subject": "Changed"})
    assert list(model.objects.values()) == before
    assert superuser_client.get(reverse(f"admin:newsletters_{model._meta.model_name}_add")).status_code == 403


def test_newsletter_admin_refuses_header_injection(superuser_client):
    newsletter = NewsletterFactory(sender_name="SALGA")
    url = reverse("admin:newsletters_newsletter_change", args=[newsletter.pk])
    response = superuser_client.post(url, {
        "name": newsletter.name, "slug": newsletter.slug, "description": "x", "audience": "public",
        "language": "en", "sender_name": "SALGA\r\nBcc: all@example.org", "sender_email": "news@salga.org.za",
        "reply_to": "", "physical_address": "x", "contact_details": "x", "consent_wording": "x", "is_active": "on",
    })
    assert response.status_code == 200 and b"line break" in response.content
    assert Newsletter.objects.get(pk=newsletter.pk).sender_name == "SALGA"
