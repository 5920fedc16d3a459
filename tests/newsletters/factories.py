"""factory_boy factories for the newsletters tests: lists, subscribers, subscriptions (subscribed, with the consent
record that makes them lawful) and issues. Others may add factories at the end of this module."""

from __future__ import annotations

import factory
from django.utils import timezone

from newsletters.models import Audience, ConsentRecord, Issue, Newsletter, Subscriber, Subscription


class NewsletterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Newsletter

    name = factory.Sequence(lambda n: f"Knowledge Hub update {n}")
    slug = factory.Sequence(lambda n: f"knowledge-hub-update-{n}")
    description = "News from the LG Knowledge Hub: new resources, events and discussions."
    audience = Audience.PUBLIC
    sender_name = "SALGA Knowledge Hub"
    sender_email = "newsletter@salga.org.za"
    reply_to = "info@salga.org.za"


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"subscriber{n}@example.org")
    name = factory.Sequence(lambda n: f"Subscriber {n}")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A confirmed subscription with its consent record (form sign-up, confirmed). Pass status=... for other states;
    consent=False to skip the consent record."""

    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    subscriber = factory.SubFactory(SubscriberFactory)
    newsletter = factory.SubFactory(NewsletterFactory)
    status = Subscription.Status.SUBSCRIBED
    subscribed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def consent(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        ConsentRecord.objects.create(
            subscription=obj,
            method=kwargs.get("method", ConsentRecord.Method.FORM),
            wording=obj.newsletter.consent_wording,
            given_at=obj.subscribed_at or timezone.now(),
            confirmed_at=obj.subscribed_at if obj.status == Subscription.Status.SUBSCRIBED else None,
            source=kwargs.get("source", ""),
        )


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    newsletter = factory.SubFactory(NewsletterFactory)
    subject = factory.Sequence(lambda n: f"Knowledge Hub update no. {n}")
    slug = factory.Sequence(lambda n: f"update-{n}")
    preheader = "New resources and upcoming events"
    body = "## This month\n\nNew resources on local economic development."
    status = Issue.Status.DRAFT
