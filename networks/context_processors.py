"""Template context of the networks: the bell's unread count for signed-in people.

The count is kept in the person's session for UNREAD_COUNT_MAX_AGE seconds, so an ordinary page view costs no query
for it: the session is loaded on every signed-in request anyway. Why not the cache framework: the hub's shared cache
is the database (hub/settings.py), so a per-user cache key would cost one query per page, the very query saved here,
and a per-process memory cache could not be invalidated from the background worker that fans notifications out.

What keeps it right: the notifications page and marking read store the fresh count in the session at once (so
"mark all as read" empties the bell on the next page, whichever web process serves it); notifications made by
others' activity (replies, mentions, accepted answers, warnings) reach the bell within UNREAD_COUNT_MAX_AGE.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

UNREAD_COUNT_SESSION_KEY = "networks_unread"
UNREAD_COUNT_MAX_AGE = 60  # seconds


def _clock() -> float:
    return time.time()


def remember_unread_count(request: HttpRequest, count: int) -> None:
    """Store a freshly counted number of unread notifications for the bell."""
    session = getattr(request, "session", None)
    if session is not None and request.user.is_authenticated:
        session[UNREAD_COUNT_SESSION_KEY] = [request.user.pk, count, _clock()]


def unread_count_for(request: HttpRequest) -> int:
    """The person's unread count: from the session while fresh, else counted (one query) and stored."""
    from networks.services.notifications import unread_count

    user = request.user
    session = getattr(request, "session", None)
    stored = session.get(UNREAD_COUNT_SESSION_KEY) if session is not None else None
    if (
        isinstance(stored, list)
        and len(stored) == 3
        and stored[0] == user.pk
        and isinstance(stored[1], int)
        and isinstance(stored[2], (int, float))
        and 0 <= _clock() - stored[2] < UNREAD_COUNT_MAX_AGE
    ):
        return stored[1]
    count = unread_count(user=user)
    remember_unread_count(request, count)
    return count


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # lazy: pages that do not render the header (emails, feeds) pay nothing
    return {"unread_notification_count": SimpleLazyObject(lambda: unread_count_for(request))}
