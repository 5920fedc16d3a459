"""{% subscription_status newsletter as status %}: the signed-in person's subscription status for a list ("" when
none), for the subscribe button. Statuses are read once per request, whatever the number of buttons."""

from __future__ import annotations

from typing import Any

from django import template

from newsletters.selectors_subscribers import subscription_statuses

register = template.Library()


@register.simple_tag(takes_context=True)
def subscription_status(context: Any, newsletter: Any) -> str:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if request is None:
        return subscription_statuses(user=user).get(newsletter.pk, "")
    statuses = getattr(request, "_newsletter_statuses", None)
    if statuses is None:
        statuses = subscription_statuses(user=user)
        request._newsletter_statuses = statuses
    return statuses.get(newsletter.pk, "")


@register.simple_tag(takes_context=True)
def may_subscribe_with_one_click(context: Any, newsletter: Any) -> bool:
    """Whether to offer the member's one-click button. The include is only shown beside lists the person may see
    (pages list them with visible_to), so this asks only whether they are a member and the list is open; the
    subscribe view itself checks everything again."""
    from hub.permissions import is_member

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return bool(newsletter.is_active and is_member(user))
