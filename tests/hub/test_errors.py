"""Styled error pages: 400, 403, 404 inside the hub's layout; 500 a plain standalone page that needs neither the
database nor the request, and never shows a traceback, also when the database is down."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db.utils import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import path

from hub import urls as hub_urls
from hub.models import User


def _explode(request: HttpRequest) -> HttpResponse:
    raise ValueError("secret internal detail: password=hunter2")


def _query_the_database(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(User.objects.count()))


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("tampered signature in cookie")


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("internal reason")


# This module doubles as a URLconf (settings.ROOT_URLCONF = __name__) with views that fail on purpose.
urlpatterns = [
    path("explode/", _explode),
    path("needs-database/", _query_the_database),
    path("suspicious/", _suspicious),
    path("forbidden/", _forbidden),
    *hub_urls.urlpatterns,
]
handler400 = "hub.views.pages.bad_request"
handler403 = "hub.views.pages.permission_denied"
handler404 = "hub.views.pages.page_not_found"
handler500 = "hub.views.pages.server_error"


@pytest.fixture
def failing_site(client, settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client.raise_request_exception = False
    return client


def assert_no_traceback(html: str) -> None:
    for leak in ("Traceback", "hunter2", "secret internal detail", "tampered signature", "internal reason",
                 "connection refused", 'File "'):
        assert leak not in html, leak


@pytest.mark.django_db
def test_an_exception_gives_the_plain_500_page_without_a_traceback(failing_site):
    response = failing_site.get("/explode/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert '<link rel="stylesheet" href="/static/css/hub.css">' in html
    assert_no_traceback(html)


@pytest.mark.django_db
def test_with_the_database_down_a_page_gives_the_plain_500_page(failing_site):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = failing_site.get("/needs-database/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert_no_traceback(html)


def test_the_500_template_renders_without_request_or_database():
    # No django_db mark: any query here would fail the test.
    html = loader.get_template("500.html").render({})

    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "LG Knowledge Hub" in html
    assert "Sorry, there is a problem with the service" in html
    assert "<script" not in html and " style=" not in html


@pytest.mark.django_db
def test_a_suspicious_request_gives_the_styled_400_page(failing_site):
    response = failing_site.get("/suspicious/")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Something was wrong with the request" in html
    assert 'class="skip-link"' in html
    assert_no_traceback(html)


@pytest.mark.django_db
def test_a_forbidden_action_gives_the_styled_403_page(failing_site):
    response = failing_site.get("/forbidden/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot do this" in html
    assert 'class="skip-link"' in html
    assert_no_traceback(html)


@pytest.mark.django_db
def test_an_unknown_address_gives_the_styled_404_page(client):
    response = client.get("/no-such-page/<script>alert(1)</script>")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="skip-link"' in html and 'action="/search/"' in html
    assert "<script>alert(1)</script>" not in html


@pytest.mark.django_db
def test_a_request_for_an_unknown_host_is_refused_with_400(client):
    response = client.get("/", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert "Something was wrong with the request" in response.content.decode()
