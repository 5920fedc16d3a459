"""Headers Django's own middleware does not set."""

from __future__ import annotations

from typing import Callable

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
