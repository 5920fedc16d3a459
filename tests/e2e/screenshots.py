"""Take screenshots of the hub's pages at phone and desktop width, to look at them.

Run against a running server (not part of the test suite):

    python -m tests.e2e.screenshots --base http://127.0.0.1:8000 --out screenshots/
    python -m tests.e2e.screenshots --base http://127.0.0.1:8000 --out screenshots/ \\
        --email admin@example.org --password '...' --pages /manage/ /manage/audit/

Without --pages it captures the visitor pages, and the member pages too when credentials are given. Each page is
saved as <prefix><slug>-phone.png (390x844) and <prefix><slug>-desktop.png (1280x900), full length.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.e2e.conftest import DESKTOP, PHONE, launch_chromium

VISITOR_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/municipalities/",
    "/municipalities/CPT/",
    "/municipalities/DC10/",
    "/search/?q=cape",
    "/privacy/",
    "/terms/",
    "/accessibility/",
    "/no-such-page/",
]
MEMBER_PAGES = [
    "/people/",
    "/experts/",
    "/accounts/profile/",
    "/accounts/my-data/",
    "/accounts/delete/",
    "/accounts/email/",
    "/manage/",
    "/manage/people/",
    "/manage/verifications/",
    "/manage/audit/",
]
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}


def slug_for(path: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
    return slug or "home"


def goto(page, url: str, attempts: int = 20) -> None:
    """Open `url`, waiting out a development server that is restarting after a code change."""
    for attempt in range(attempts):
        try:
            page.goto(url)
            return
        except PlaywrightError as error:
            if "ERR_CONNECTION_REFUSED" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.5)


def log_in(page, base: str, email: str, password: str) -> None:
    goto(page, f"{base}/accounts/login/")
    page.locator("main input[type=email], main input[name=login]").first.fill(email)
    page.locator("main input[type=password]").first.fill(password)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        raise SystemExit(f"Could not log in as {email}: still on {page.url}")


def capture(base: str, out: Path, pages: list[str], email: str | None, password: str | None, prefix: str,
            empty_forms: list[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for width_name, viewport in WIDTHS.items():
            context = browser.new_context(viewport=viewport, locale="en-ZA", timezone_id="Africa/Johannesburg")
            page = context.new_page()
            if email and password:
                log_in(page, base, email, password)
            for path in pages:
                goto(page, f"{base}{path}")
                target = out / f"{prefix}{slug_for(path)}-{width_name}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
            for path in empty_forms:
                # A form with errors: submit it empty with the browser's own validation off.
                goto(page, f"{base}{path}")
                form = page.locator("main form").first
                form.evaluate("form => { form.noValidate = true; }")
                form.locator("button[type=submit], input[type=submit]").last.click()
                page.wait_for_load_state()
                target = out / f"{prefix}{slug_for(path)}-errors-{width_name}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
            context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--out", default="screenshots", type=Path, help="folder for the PNG files")
    parser.add_argument("--email", help="log in as this person first")
    parser.add_argument("--password")
    parser.add_argument("--prefix", default="", help="prefix for file names, for example h4-")
    parser.add_argument("--pages", nargs="*", help="paths to capture (default: every page built so far)")
    parser.add_argument("--empty-forms", nargs="*", default=None,
                        help="paths whose first form is submitted empty to capture its errors "
                             "(default: /accounts/signup/ for visitors)")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")
    signed_in = bool(args.email and args.password)
    pages = args.pages or (VISITOR_PAGES + MEMBER_PAGES if signed_in else VISITOR_PAGES)
    empty_forms = args.empty_forms if args.empty_forms is not None else ([] if signed_in else ["/accounts/signup/"])
    written = capture(base, args.out, pages, args.email, args.password, args.prefix, empty_forms)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
