"""Security defaults: response headers (CSP with nonces and no 'unsafe-inline', framing, referrer, permissions,
no-store on account pages), CSRF rejection with the styled 403, cookies, authentication events in the security
log, and production mode that refuses to start without its secrets and passes `check --deploy`."""

from __future__ import annotations

import logging
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.usersessions.models import UserSession
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.urls import path, reverse

from hub import urls as hub_urls
from tests.factories import UserFactory

PASSWORD = "a-long-test-password-123"
BASE_DIR = Path(__file__).resolve().parents[2]


def _nonce_page(request: HttpRequest) -> HttpResponse:
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">let hub = 1;</script>')
    return HttpResponse(template.render({}, request))


# This module doubles as a URLconf (settings.ROOT_URLCONF = __name__) for the nonce test.
urlpatterns = [path("nonce/", _nonce_page), *hub_urls.urlpatterns]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/healthz"]
)
def test_responses_carry_the_security_headers(client, url):
    response = client.get(url)

    directives = csp_directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'"
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert set(directives["img-src"]) == {"'self'", "data:"}
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert {"camera=()", "geolocation=()", "microphone=()"} <= set(response["Permissions-Policy"].split(", "))
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_script_with_the_request_nonce_is_allowed_by_the_policy(client, settings):
    settings.ROOT_URLCONF = __name__

    response = client.get("/nonce/")

    directives = csp_directives(response)
    nonce_sources = [value for value in directives["script-src"] if value.startswith("'nonce-")]
    assert len(nonce_sources) == 1
    nonce = nonce_sources[0][len("'nonce-") : -1]
    assert len(nonce) >= 16
    assert f'<script nonce="{nonce}">' in response.content.decode()
    # A fresh nonce for every response.
    assert client.get("/nonce/")["Content-Security-Policy"] != response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/accounts/confirm-email/"]
)
def test_account_pages_are_not_stored_by_browsers_or_proxies(client, url):
    response = client.get(url)

    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_signed_in_account_pages_are_not_stored(client):
    UserFactory(email="private@example.org")
    client.post(reverse("account_login"), {"login": "private@example.org", "password": PASSWORD})

    for name in ("account_email", "mfa_index", "usersessions_list"):
        assert "no-store" in client.get(reverse(name))["Cache-Control"], name


@pytest.mark.django_db
def test_the_session_cookie_is_http_only_and_same_site(client):
    UserFactory(email="cookie@example.org")

    response = client.post(reverse("account_login"), {"login": "cookie@example.org", "password": PASSWORD})

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_a_log_in_post_without_csrf_token_is_refused_with_the_styled_page():
    UserFactory(email="csrf@example.org")
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {"login": "csrf@example.org", "password": PASSWORD})

    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form could not be sent" in html
    assert 'class="skip-link"' in html  # the hub's layout, not Django's bare page
    assert "CSRF" not in html  # the technical reason stays in the log
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_ending_other_sessions_without_csrf_token_ends_nothing():
    UserFactory(email="two.devices@example.org")
    laptop, phone = Client(enforce_csrf_checks=True), Client()
    for device in (laptop, phone):
        login_page = device.get(reverse("account_login"))
        device.post(
            reverse("account_login"),
            {"login": "two.devices@example.org", "password": PASSWORD,
             "csrfmiddlewaretoken": login_page.context["csrf_token"]},
        )
        device.get(reverse("account_email"))
    sessions_before = UserSession.objects.count()

    response = laptop.post(reverse("usersessions_list"))

    assert response.status_code == 403
    assert UserSession.objects.count() == sessions_before == 2
    assert phone.get(reverse("account_email")).status_code == 200


# Authentication events in the security log


@pytest.fixture
def security_log(caplog):
    """hub.security does not propagate to the root logger (it has its own handler), so attach caplog to it."""
    logger = logging.getLogger("hub.security")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="hub.security")
    yield caplog
    logger.removeHandler(caplog.handler)


def _events(caplog) -> list[str]:
    return [record.getMessage().split()[0] for record in caplog.records if record.name == "hub.security"]


@pytest.mark.django_db
def test_log_ins_failures_and_log_outs_are_logged_without_the_attempted_secret(client, security_log):
    user = UserFactory(email="logged@example.org")

    client.post(reverse("account_login"), {"login": "logged@example.org", "password": "Wrong-Secret-42"})
    client.post(reverse("account_login"), {"login": "logged@example.org", "password": PASSWORD})
    client.post(reverse("account_logout"))

    assert _events(security_log) == ["login_failed", "login", "logout"]
    assert f"user_id={user.pk}" in security_log.records[1].getMessage()
    assert "ip=127.0.0.1" in security_log.records[0].getMessage()
    logged_text = " ".join(record.getMessage() for record in security_log.records)
    assert "Wrong-Secret-42" not in logged_text and "logged@example.org" not in logged_text


@pytest.mark.django_db
def test_sign_up_password_change_and_ending_sessions_are_logged(client, security_log):
    client.post(
        reverse("account_signup"),
        {"full_name": "Ayanda Zulu", "email": "ayanda@example.org", "password1": "kudu-baobab-river-lantern",
         "password2": "kudu-baobab-river-lantern"},
    )
    UserFactory(email="changer@example.org")
    changer = Client()
    other_device = Client()
    for device in (changer, other_device):
        device.post(reverse("account_login"), {"login": "changer@example.org", "password": PASSWORD})
        device.get(reverse("account_email"))
    changer.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "new-kudu-baobab-river", "password2": "new-kudu-baobab-river"},
    )
    changer.post(reverse("usersessions_list"))

    events = _events(security_log)
    assert "signup" in events
    assert "password_changed" in events
    assert "session_ended" in events


# Production mode


def _run(args: list[str], **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("DATABASE_POOL", None)
    env.update(environment)
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180)


def _random_secret(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(
        [sys.executable, "-c", "import hub.settings"], DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="hub.example.org"
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(
        [sys.executable, "-c", "import hub.settings"], DJANGO_DEBUG="0", DJANGO_SECRET_KEY=_random_secret()
    )

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_debug_must_be_a_clear_yes_or_no():
    result = _run([sys.executable, "-c", "import hub.settings"], DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=_random_secret(), DJANGO_ALLOWED_HOSTS="hub.example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION_PROBE = """
import django
django.setup()
from django.conf import settings
from django.db import connection
from django.urls import Resolver404, resolve
assert not settings.DEBUG
assert settings.DATABASES["default"]["OPTIONS"].get("pool"), "production uses psycopg's pool"
for _ in range(3):  # connections come from and go back to the pool
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    connection.close()
try:
    resolve("/dev/mail/")
except Resolver404:
    print("dev-mail-absent")
print("pool-ok", settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS > 0)
"""


def test_production_connects_through_the_pool_and_has_no_dev_mail_url():
    result = _run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        DJANGO_SETTINGS_MODULE="hub.settings", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=_random_secret(),
        DJANGO_ALLOWED_HOSTS="hub.example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "dev-mail-absent" in result.stdout
    assert "pool-ok True True True" in result.stdout


@pytest.mark.django_db
def test_a_flood_of_cache_entries_does_not_push_out_rate_limit_counters():
    # Django's DatabaseCache culls a third of its entries (in key order) once it holds more than MAX_ENTRIES;
    # with its default of 300, 400 sign-ups from different addresses would drop counters like this one.
    from django.core.cache import caches

    cache = caches["default"]
    cache.set("a-rate-limit-counter", 3, timeout=3600)
    cache.set_many({f"z-flood-{number}": 1 for number in range(400)}, timeout=3600)
    cache.set("z-one-more", 1, timeout=3600)
    assert cache.get("a-rate-limit-counter") == 3
