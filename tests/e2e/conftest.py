"""Browser fixtures: a live Django server (pytest-django's `live_server`) driven by Chromium through Playwright.

Every browser test module marks itself with::

    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

`transaction=True` because the live server runs in another thread and must see committed data; `serialized_rollback`
because a transactional test empties every table when it ends, and the reference data (provinces, municipalities,
organisations, role groups) comes from migrations: it is restored from the snapshot taken when the test database
was created.

Chromium: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else chromium or chromium-browser on PATH, else
Playwright's own build (if one was installed). The browser is started once per test session.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an asyncio event loop in this thread; Django would then refuse ORM calls made by the
# test itself ("SynchronousOnlyOperation"). The calls are in fact synchronous, so this is safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a-long-test-password-123"  # the factories' password for every user they make


def chromium_executable() -> str | None:
    """The Chromium binary to drive, or None to let Playwright use its own build."""
    candidates = [
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    return None


def launch_chromium(playwright: Any) -> Any:
    executable = chromium_executable()
    return playwright.chromium.launch(
        executable_path=executable, args=CHROMIUM_ARGS if executable else CHROMIUM_ARGS[1:], headless=True
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """New passwords get a quick hash in browser tests: Argon2 takes a noticeable moment per user and these tests
    make many. Hashing itself is tested elsewhere; Argon2 stays listed so existing hashes still verify."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(scope="package")
def playwright_driver(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    """Playwright, for the browser tests of this package only.

    While Playwright's sync API is active an asyncio event loop runs in this thread, and asgiref then hands Django
    *different* connection objects (kept per async context rather than per thread). Those lack the snapshot of the
    migrated data that serialized rollback restores from, so it is copied onto them; without it the first
    transactional test would leave every later one an empty database. When the package is done the snapshot is
    loaded once more, so tests elsewhere that run after these find the reference data where migrations put it."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    snapshots = {
        connection.alias: connection._test_serialized_contents
        for connection in connections.all()
        if getattr(connection, "_test_serialized_contents", None)
    }
    with sync_playwright() as playwright:
        for alias, contents in snapshots.items():
            connections[alias]._test_serialized_contents = contents
        yield playwright
    with django_db_blocker.unblock():
        for alias, contents in snapshots.items():
            connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="package")
def browser(playwright_driver: Any) -> Iterator[Any]:
    try:
        chromium = launch_chromium(playwright_driver)
    except Exception as error:  # a missing browser should say what to do, not show a Playwright stack trace
        pytest.fail(
            f"Could not start Chromium ({error}). Install it (`apt-get install chromium`, or `make browser`) "
            "or set CHROMIUM_PATH.",
            pytrace=False,
        )
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(browser: Any, live_server: Any) -> Iterator[Any]:
    """Factory: new_context(viewport=PHONE, bypass_csp=True) -> a fresh browser context (own cookies) whose
    relative URLs resolve against the live server. Every context is closed when the test ends."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "en-ZA")
        options.setdefault("timezone_id", "Africa/Johannesburg")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Any) -> Any:
    """A page in a fresh desktop-sized context, for a visitor."""
    return new_context().new_page()


def sign_in(context: Any, live_server: Any, user: Any) -> None:
    """Sign `user` in within `context` without going through the log-in form (the journey test uses the form)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie.value, "url": live_server.url}])


def log_in_with_form(page: Any, email: str, password: str = PASSWORD) -> None:
    """Log in through the real log-in page, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=False).first.fill(email)
    page.get_by_label("Password", exact=False).first.fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def click_and_wait(page: Any, control: Any) -> None:
    """Click a button or link that loads another page, and wait for that page."""
    with page.expect_navigation():
        control.click()


def submit_empty(page: Any, form: Any, label: str, *, button: str = "button[type=submit], input[type=submit]",
                 last_button: bool = False) -> None:
    """Send `form` with its text fields emptied and the browser's own validation off, as someone who skipped every
    question would; the page that comes back must show an error summary. The first (or last) `button` sends it."""
    form.evaluate("form => { form.noValidate = true; }")
    for field in form.locator("input[type=text], input[type=email], textarea").all():
        field.fill("")
    buttons = form.locator(button)
    with page.expect_navigation():
        (buttons.last if last_button else buttons.first).click()
    assert page.locator("[data-error-summary], .error-summary").count() > 0, f"{label}: no error summary shown"


def shoot_both_widths(page: Any, path_prefix: Path) -> None:
    """Save the page full length at phone and at desktop width (<prefix>-phone.png, <prefix>-desktop.png), then
    give it back its own width."""
    own = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=f"{path_prefix}-{label}.png", full_page=True)
    page.set_viewport_size(own)


@pytest.fixture
def screenshot_dir() -> Path:
    """Where failing or illustrative screenshots go (ignored by git)."""
    path = Path(os.environ.get("HUB_SCREENSHOT_DIR", "var/screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path
