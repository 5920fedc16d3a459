"""Template context of the newsletters: whether the person may publish (for the header's link to the dashboard)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from newsletters.permissions import can_publish_newsletters


def publishing(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Role groups are cached on the user by hub.permissions, so this costs no extra query per page.
    return {"can_publish_newsletters": can_publish_newsletters(user)}
