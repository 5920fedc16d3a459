"""The hub's middleware: headers Django's own middleware does not set, and allauth's session tracking, throttled."""

from __future__ import annotations

import time
from typing import Callable

from allauth.account.adapter import get_adapter
from allauth.usersessions import app_settings as usersessions_settings
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.http import HttpRequest, HttpResponse

NO_STORE_PREFIXES = ("/accounts/", "/manage/", "/dev/")


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; `Cache-Control: no-store` on account and management pages, which hold
    personal data that a shared phone or proxy must not keep."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path.startswith(NO_STORE_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        return response


class UserSessionActivityMiddleware:
    """allauth's session tracking ("Your sessions": last active, IP address, browser), written at most once every
    USERSESSIONS_ACTIVITY_INTERVAL seconds per session instead of on every request.

    allauth's own middleware reads and rewrites the session's row on every signed-in request (five queries and a
    committed write per page). Here the time of the last write is kept in the session itself, which the request has
    already loaded; a change of IP address or browser is written at once, as allauth does, so its
    `session_client_changed` signal still fires on the request where it happens."""

    SESSION_KEY = "_hub_usersession"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if usersessions_settings.TRACK_ACTIVITY and session is not None and session.session_key and user is not None \
                and user.is_authenticated:
            self._track(request)
        return self.get_response(request)

    def _track(self, request: HttpRequest) -> None:
        client = f"{get_adapter().get_client_ip(request)}|{request.META.get('HTTP_USER_AGENT', '')[:200]}"
        now = int(time.time())
        seen = request.session.get(self.SESSION_KEY)
        interval = getattr(settings, "USERSESSIONS_ACTIVITY_INTERVAL", 300)
        if isinstance(seen, list) and len(seen) == 2 and seen[1] == client and 0 <= now - int(seen[0]) < interval:
            return
        UserSession.objects.create_from_request(request)
        request.session[self.SESSION_KEY] = [now, client]
