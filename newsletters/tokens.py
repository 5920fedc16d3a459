"""Signed links in newsletter mail and pages. Each token names a subscriber (and a subscription or issue) and is
signed with the site's secret plus the subscriber's own `secret`, so rotating that secret revokes every old link.

- unsubscribe tokens never expire: a link in a years-old email must still work (RFC 8058 one-click);
- manage tokens (manage all my subscriptions without logging in) last NEWSLETTER_MANAGE_TOKEN_DAYS;
- confirmation tokens (double opt-in) last NEWSLETTER_CONFIRM_TOKEN_DAYS.

`read_*` raise `signing.BadSignature` (tampered, or the subscriber's secret changed) or `signing.SignatureExpired`
(a subclass of BadSignature): views answer 400 and change nothing.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from newsletters.models import Subscriber, Subscription

UNSUBSCRIBE_SALT = "newsletters.unsubscribe"
MANAGE_SALT = "newsletters.manage"
CONFIRM_SALT = "newsletters.confirm"

# Literal markers in a rendered issue that the dispatcher replaces per recipient (they survive HTML escaping and
# CSS inlining unchanged).
UNSUBSCRIBE_URL_MARKER = "[[unsubscribe_url]]"
MANAGE_URL_MARKER = "[[manage_url]]"


@dataclass(frozen=True)
class UnsubscribeClaim:
    subscription: Subscription
    issue_id: int | None


def _sign(payload: dict, *, salt: str, subscriber: Subscriber) -> str:
    return signing.dumps(payload, salt=f"{salt}:{subscriber.secret}", compress=True)


def _read(token: str, *, salt: str, max_age: int | None = None) -> tuple[dict, Subscriber]:
    # The subscriber id is readable before verification (signing's payload is only base64), so look the subscriber
    # up first, then verify with their secret. Any failure is a BadSignature.
    try:
        payload_b64 = token.split(":", 1)[0]
        compressed = payload_b64.startswith(".")
        raw = signing.b64_decode((payload_b64[1:] if compressed else payload_b64).encode())
        subscriber_id = int(json.loads(zlib.decompress(raw) if compressed else raw)["s"])
    except Exception as error:  # noqa: BLE001 - anything malformed is a bad signature
        raise signing.BadSignature("malformed token") from error
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        raise signing.BadSignature("unknown subscriber")
    payload = signing.loads(token, salt=f"{salt}:{subscriber.secret}", max_age=max_age)
    if not isinstance(payload, dict) or payload.get("s") != subscriber.pk:
        raise signing.BadSignature("malformed token")
    return payload, subscriber


def make_unsubscribe_token(*, subscription: Subscription, issue_id: int | None = None) -> str:
    return _sign(
        {"s": subscription.subscriber_id, "n": subscription.pk, "i": issue_id},
        salt=UNSUBSCRIBE_SALT,
        subscriber=subscription.subscriber,
    )


def read_unsubscribe_token(token: str) -> UnsubscribeClaim:
    payload, subscriber = _read(token, salt=UNSUBSCRIBE_SALT)
    subscription = Subscription.objects.filter(pk=payload.get("n"), subscriber=subscriber).first()
    if subscription is None:
        raise signing.BadSignature("unknown subscription")
    issue_id = payload.get("i")
    return UnsubscribeClaim(subscription=subscription, issue_id=issue_id if isinstance(issue_id, int) else None)


def unsubscribe_url(*, subscription: Subscription, issue_id: int | None = None) -> str:
    """Absolute URL of the one-click unsubscribe endpoint (GET: a confirmation page; POST: unsubscribes)."""
    token = make_unsubscribe_token(subscription=subscription, issue_id=issue_id)
    return settings.SITE_URL + reverse("newsletters:unsubscribe", args=[token])


def make_manage_token(*, subscriber: Subscriber) -> str:
    return _sign({"s": subscriber.pk}, salt=MANAGE_SALT, subscriber=subscriber)


def read_manage_token(token: str) -> Subscriber:
    _payload, subscriber = _read(
        token, salt=MANAGE_SALT, max_age=settings.NEWSLETTER_MANAGE_TOKEN_DAYS * 86400
    )
    return subscriber


def manage_url(*, subscriber: Subscriber) -> str:
    return settings.SITE_URL + reverse("newsletters:manage", args=[make_manage_token(subscriber=subscriber)])


def make_confirm_token(*, subscription: Subscription) -> str:
    return _sign(
        {"s": subscription.subscriber_id, "n": subscription.pk}, salt=CONFIRM_SALT, subscriber=subscription.subscriber
    )


def read_confirm_token(token: str) -> Subscription:
    payload, subscriber = _read(token, salt=CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRM_TOKEN_DAYS * 86400)
    subscription = Subscription.objects.filter(pk=payload.get("n"), subscriber=subscriber).first()
    if subscription is None:
        raise signing.BadSignature("unknown subscription")
    return subscription


def confirm_url(*, subscription: Subscription) -> str:
    return settings.SITE_URL + reverse("newsletters:confirm", args=[make_confirm_token(subscription=subscription)])
