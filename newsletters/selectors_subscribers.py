"""Reads for the subscriber pages: a member's subscriptions, the manage page's lists, and the status a subscribe
button shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsletters.models import Audience, Newsletter, Subscriber, Subscription
from newsletters.services.subscriptions import subscriber_for_member


def subscription_statuses(*, user: Any) -> dict[int, str]:
    """{newsletter id: subscription status} for a signed-in person (one query); empty for visitors."""
    if not getattr(user, "is_authenticated", False):
        return {}
    subscriber = subscriber_for_member(user=user)
    if subscriber is None:
        return {}
    return dict(Subscription.objects.filter(subscriber=subscriber).values_list("newsletter_id", "status"))


@dataclass(frozen=True)
class ListRow:
    newsletter: Newsletter
    subscription: Subscription | None

    @property
    def is_subscribed(self) -> bool:
        return self.subscription is not None and self.subscription.status == Subscription.Status.SUBSCRIBED

    @property
    def is_pending(self) -> bool:
        return self.subscription is not None and self.subscription.status == Subscription.Status.PENDING


def member_lists(*, user: Any) -> list[ListRow]:
    """The "my subscriptions" page: every active list the member may subscribe to, and any other list they are on
    (for example a network's after leaving the network), each with their subscription if any."""
    subscriber = subscriber_for_member(user=user)
    subscriptions = (
        {s.newsletter_id: s for s in Subscription.objects.filter(subscriber=subscriber).select_related("newsletter")}
        if subscriber is not None
        else {}
    )
    rows = [
        ListRow(newsletter=newsletter, subscription=subscriptions.pop(newsletter.pk, None))
        for newsletter in Newsletter.objects.visible_to(user).filter(is_active=True).order_by("name")
    ]
    rows += [ListRow(newsletter=s.newsletter, subscription=s) for s in subscriptions.values()]
    return rows


def manage_lists(*, subscriber: Subscriber) -> list[ListRow]:
    """The token manage page (nobody is signed in): the subscriber's own lists, then the public lists they could
    join."""
    subscriptions = list(
        Subscription.objects.filter(subscriber=subscriber).select_related("newsletter").order_by("newsletter__name")
    )
    on = {subscription.newsletter_id for subscription in subscriptions}
    rows = [ListRow(newsletter=s.newsletter, subscription=s) for s in subscriptions]
    rows += [
        ListRow(newsletter=newsletter, subscription=None)
        for newsletter in Newsletter.objects.filter(is_active=True, audience=Audience.PUBLIC)
        .exclude(pk__in=on)
        .order_by("name")
    ]
    return rows
