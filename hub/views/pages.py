"""Site-wide pages: home, site search, static pages (privacy, terms, accessibility), health check, error pages and
the development mail viewer."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hub import mail, registry, selectors

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    sections = [section.render(request) for section in registry.home_sections()]
    return render(
        request,
        "hub/home.html",
        {"sections": [html for html in sections if html], "stats": selectors.home_statistics()},
    )


def site_search(request: HttpRequest) -> HttpResponse:
    query = selectors.clean_search_query(request.GET.get("q", ""))
    groups = selectors.site_search(user=request.user, query=query) if query else []
    return render(
        request,
        "hub/search.html",
        {"query": query, "groups": groups, "total": sum(group.total for group in groups)},
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "hub/privacy.html")


def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "hub/terms.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "hub/accessibility.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 when it does not. No detail leaks to the caller."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure to reach the database means unhealthy
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


@never_cache
@require_GET
def dev_mail(request: HttpRequest) -> HttpResponse:
    """Development only: the email CaptureBackend kept, newest first. 404 whenever DEBUG is off, even if the URL
    was registered (urls.py only adds it with DEBUG on)."""
    if not settings.DEBUG:
        raise Http404
    return render(request, "hub/dev_mail_list.html", {"messages_captured": mail.captured_messages()})


@never_cache
@require_GET
def dev_mail_detail(request: HttpRequest, message_id: str) -> HttpResponse:
    """Development only: one captured email, its links clickable (verification and password-reset links)."""
    if not settings.DEBUG:
        raise Http404
    for message in mail.captured_messages():
        if message["id"] == message_id:
            crumbs = [
                (_("Captured email"), reverse("hub:dev_mail")),
                (message["subject"] or _("(no subject)"), None),
            ]
            return render(request, "hub/dev_mail_detail.html", {"message": message, "crumbs": crumbs})
    raise Http404


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the styled 403 page, explaining the likely cause (a form left open too long, or cookies
    blocked). Django has already logged the reason to django.security.csrf; it is not shown to the visitor."""
    return render(request, "403.html", {"csrf_failure": True}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without a request context: the database (and so the user) may be what failed.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({"SITE_NAME": settings.SITE_NAME}), status=500)
