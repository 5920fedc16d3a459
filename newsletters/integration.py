"""How the newsletters plug into the hub and the mail providers. Registered from NewslettersConfig.ready().

- "Download my data" gets the person's newsletter subscriptions with their consent records and the issues sent to
  them; deleting the account erases their subscriber record (deliveries anonymised, the address kept only as a
  hashed suppression entry).
- django-anymail's `tracking` signal: providers' bounce and complaint events, received at
  /newsletters/webhooks/<provider>/tracking/ (see newsletters.webhooks), become handle_bounce / handle_complaint.
- `manage.py seed_demo` runs newsletters.demo after the networks' demo.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from hub import registry
from hub.registry import DataRightsPart, DemoSeeder

logger = logging.getLogger(__name__)

# How long a provider's event id is remembered, so a webhook the provider retries (or replays) counts once.
EVENT_MEMORY_SECONDS = 14 * 86400


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def export_newsletter_data(user: Any) -> dict[str, Any]:
    """The person's part of "download my data": each subscription (list, status, dates) with every consent record
    (how, the wording shown, when given and confirmed, source), and the issues that were sent to them."""
    from newsletters.models import Delivery, Subscription
    from newsletters.services.subscriptions import subscriber_for_member

    subscriber = subscriber_for_member(user=user)
    if subscriber is None:
        return {"subscriber": None, "subscriptions": [], "issues_sent": []}
    subscriptions = (
        Subscription.objects.filter(subscriber=subscriber)
        .select_related("newsletter")
        .prefetch_related("consents")
        .order_by("created_at", "pk")
    )
    return {
        "subscriber": {
            "email": subscriber.email,
            "name": subscriber.name,
            "municipality": subscriber.municipality.name if subscriber.municipality else None,
            "province": subscriber.province.name if subscriber.province else None,
            "function": str(subscriber.get_function_display()) if subscriber.function else "",
            "language": str(subscriber.get_language_display()),
            "created_at": _iso(subscriber.created_at),
        },
        "subscriptions": [
            {
                "newsletter": subscription.newsletter.name,
                "status": str(subscription.get_status_display()),
                "created_at": _iso(subscription.created_at),
                "subscribed_at": _iso(subscription.subscribed_at),
                "unsubscribed_at": _iso(subscription.unsubscribed_at),
                "consent_records": [
                    {
                        "method": str(consent.get_method_display()),
                        "wording": consent.wording,
                        "given_at": _iso(consent.given_at),
                        "confirmed_at": _iso(consent.confirmed_at),
                        "source": consent.source,
                    }
                    for consent in sorted(subscription.consents.all(), key=lambda c: (c.given_at, c.pk))
                ],
            }
            for subscription in subscriptions
        ],
        "issues_sent": [
            {"newsletter": delivery.issue.newsletter.name, "subject": delivery.issue.subject,
             "sent_at": _iso(delivery.sent_at)}
            for delivery in Delivery.objects.filter(subscriber=subscriber, sent_at__isnull=False)
            .select_related("issue__newsletter")
            .order_by("sent_at", "pk")
        ],
    }


def erase_newsletter_data(user: Any) -> None:
    from newsletters.services.subscriptions import erase_member_subscriptions

    erase_member_subscriptions(user)


# --- Bounce and complaint webhooks ------------------------------------------------------------------------------

# Provider event types (in the provider's own payload) that mean "temporary": counted as soft bounces.
SOFT_BOUNCE_TYPES = {"softbounce", "transient", "dnserror", "blocked", "temporary"}


def _raw(event: Any) -> dict[str, Any]:
    raw = getattr(event, "esp_event", None)
    return raw if isinstance(raw, dict) else {}


def is_soft_bounce(event: Any) -> bool:
    """Whether a bounce is temporary. Anymail normalises most providers' soft and hard bounces to the same
    "bounced" type, so look at the provider's own classification (Postmark's Type, SendGrid's type, Mailgun's
    severity) and the SMTP status (4.x.x / 4xx is temporary)."""
    raw = _raw(event)
    nested = raw.get("event-data") if isinstance(raw.get("event-data"), dict) else {}  # Mailgun
    for source, key in ((raw, "Type"), (raw, "type"), (nested, "severity")):
        if str(source.get(key, "")).replace("_", "").lower() in SOFT_BOUNCE_TYPES:
            return True
    status = str(raw.get("status") or raw.get("Status") or event.mta_response or "").strip()
    return status[:1] == "4"


def _message_ids(event: Any) -> list[str]:
    raw = _raw(event)
    # SendGrid reports the original Message-ID header as "smtp-id"; others give their own id in message_id.
    return [str(value) for value in (event.message_id, raw.get("smtp-id"), raw.get("Message-Id")) if value]


def handle_tracking_event(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail.signals.tracking receiver. Runs only for requests anymail authenticated (basic auth with
    ANYMAIL["WEBHOOK_SECRET"]; newsletters.webhooks refuses every request while that is unset). Hard bounces,
    soft bounces, complaints and deliveries go to the subscription services; everything else (opens and clicks
    are not tracked) is ignored. An event the provider sends twice is applied once."""
    from anymail.signals import EventType, RejectReason

    from newsletters.services import subscriptions

    recipient = (event.recipient or "").strip()
    if not recipient:
        return
    key = f"newsletters:webhook-event:{esp_name}:{event.event_id}" if event.event_id else ""
    if key and cache.get(key):
        return
    event_type, reason = event.event_type, event.reject_reason
    message_ids = _message_ids(event)
    if event_type == EventType.COMPLAINED or (event_type == EventType.REJECTED and reason == RejectReason.SPAM):
        subscriptions.handle_complaint(email=recipient, message_ids=message_ids, when=event.timestamp)
    elif event_type == EventType.BOUNCED or (
        event_type == EventType.REJECTED and reason in (RejectReason.BOUNCED, RejectReason.INVALID)
    ):
        subscriptions.handle_bounce(
            email=recipient, hard=not is_soft_bounce(event), message_ids=message_ids, when=event.timestamp
        )
    elif event_type == EventType.DELIVERED:
        subscriptions.record_delivered(email=recipient)
    else:
        return
    logger.info("newsletters webhook %s %s event applied", esp_name, event_type)
    if key:
        cache.set(key, True, timeout=EVENT_MEMORY_SECONDS)


def _seed_demo(stdout: Any) -> list[tuple[str, str]]:
    from newsletters.demo import seed_newsletters_demo

    return seed_newsletters_demo(stdout=stdout)


def register() -> None:
    """Called from NewslettersConfig.ready()."""
    from anymail.signals import tracking

    registry.register_data_rights_part(
        DataRightsPart(key="newsletters", export=export_newsletter_data, erase=erase_newsletter_data)
    )
    tracking.connect(handle_tracking_event, dispatch_uid="newsletters_tracking_events")
    # After the networks' demo (order 40): the demo issues feature its events and discussions.
    registry.register_demo_seeder(DemoSeeder(key="newsletters", order=50, seed=_seed_demo))
