"""Template context of the networks: the bell's unread count for signed-in people (one cheap query, lazily)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from networks.models import Notification

        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    # lazy: pages that do not render the header (emails, feeds) pay nothing
    return {"unread_notification_count": SimpleLazyObject(count)}
