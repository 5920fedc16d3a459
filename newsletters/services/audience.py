"""Who an issue goes to: a newsletter's confirmed subscriptions, narrowed by an audience filter, minus suppressed
addresses. Used for the live recipient count while composing and for building the outbox when a send starts, so
what the publisher is shown is what is sent."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Func, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Lower

from newsletters.models import Audience, Newsletter, Subscription, Suppression

FILTER_KEYS = ("provinces", "categories", "municipalities", "functions", "networks", "languages")


class _Sha256Hex(Func):
    """encode(sha256(convert_to(lower(email), 'UTF8')), 'hex'): the suppression hash, computed in the database so
    the exclusion is one anti-join and no address ever needs to be hashed in Python."""

    template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
    output_field = TextField()


def clean_filter(raw: dict[str, Any] | None) -> dict[str, list]:
    """The filter with only known keys and non-empty lists of scalars (ints for ids, strings otherwise)."""
    cleaned: dict[str, list] = {}
    for key in FILTER_KEYS:
        values = (raw or {}).get(key) or []
        if not isinstance(values, (list, tuple)):
            values = [values]
        if key in ("provinces", "municipalities", "networks"):
            values = [int(v) for v in values if str(v).strip().isdigit()]
        else:
            values = [str(v) for v in values if str(v).strip()]
        if values:
            cleaned[key] = sorted(set(values))
    return cleaned


def audience_queryset(*, newsletter: Newsletter, filters: dict[str, Any] | None = None) -> QuerySet[Subscription]:
    """Confirmed subscriptions of `newsletter` matching `filters` (see Issue.audience_filter), excluding suppressed
    addresses and, for a network members' newsletter, people who are no longer active members of it. Province
    matches the subscriber's own province or their municipality's."""
    filters = clean_filter(filters)
    subscriptions = Subscription.objects.filter(newsletter=newsletter, status=Subscription.Status.SUBSCRIBED)
    subscriptions = subscriptions.exclude(
        Exists(Suppression.objects.filter(email_hash=_Sha256Hex(Lower(OuterRef("subscriber__email")))))
    )
    if newsletter.audience == Audience.NETWORK_MEMBERS and newsletter.network_id:
        subscriptions = subscriptions.filter(
            subscriber__user__network_memberships__network_id=newsletter.network_id,
            subscriber__user__network_memberships__status="active",
        )
    if "provinces" in filters:
        subscriptions = subscriptions.filter(
            Q(subscriber__province_id__in=filters["provinces"])
            | Q(subscriber__municipality__province_id__in=filters["provinces"])
        )
    if "categories" in filters:
        subscriptions = subscriptions.filter(subscriber__municipality__category__in=filters["categories"])
    if "municipalities" in filters:
        subscriptions = subscriptions.filter(subscriber__municipality_id__in=filters["municipalities"])
    if "functions" in filters:
        subscriptions = subscriptions.filter(subscriber__function__in=filters["functions"])
    if "languages" in filters:
        subscriptions = subscriptions.filter(subscriber__language__in=filters["languages"])
    if "networks" in filters:
        from networks.models import Membership

        subscriptions = subscriptions.filter(
            Exists(
                Membership.objects.filter(
                    user_id=OuterRef("subscriber__user_id"),
                    network_id__in=filters["networks"],
                    status=Membership.Status.ACTIVE,
                )
            )
        )
    return subscriptions.order_by()


def count_audience(*, newsletter: Newsletter, filters: dict[str, Any] | None = None) -> int:
    """How many people an issue with this filter would go to right now."""
    return audience_queryset(newsletter=newsletter, filters=filters).count()


__all__ = ["FILTER_KEYS", "audience_queryset", "clean_filter", "count_audience"]
