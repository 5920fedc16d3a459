"""Page weight: the compressed bytes of each page's HTML plus the CSS and JavaScript it references, against the
budget in the conventions (at most ~60 KB HTML+CSS+JS gzipped per page, of which at most ~25 KB JavaScript).

    python bench/page_weight.py                      # in-process, Django's test client against the dev database
    python bench/page_weight.py --base http://127.0.0.1:8000 --email admin@example.org --password ...

In-process it signs in (without a password) as --email or, failing that, the first active member it finds, to weigh
the member pages too. Images are not counted (the hub has none but the favicon). Prints a table; exits 0 unless
--strict is given and a page is over budget. Benchmarks print figures, they are not tests.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
TOTAL_BUDGET = 60 * 1024
JS_BUDGET = 25 * 1024

VISITOR_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/municipalities/",
    "/municipalities/CPT/",
    "/municipalities/DC10/",
    "/search/?q=water",
    "/search/?q=cape",
    "/privacy/",
    "/terms/",
    "/accessibility/",
]
MEMBER_PAGES = [
    "/people/",
    "/experts/",
    "/accounts/profile/",
    "/accounts/email/",
    "/accounts/delete/",
    "/manage/",
    "/manage/people/",
    "/manage/audit/",
    "/manage/verifications/",
]

STYLESHEET = re.compile(r"<link\b[^>]*\brel=[\"']?stylesheet[^>]*>", re.I)
SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']([^\"']+)[\"'][^>]*>", re.I)
HREF = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.I)


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


@dataclass
class Weight:
    path: str
    status: int
    html: int = 0
    css: int = 0
    js: int = 0
    assets: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.html + self.css + self.js

    @property
    def within_budget(self) -> bool:
        return self.total <= TOTAL_BUDGET and self.js <= JS_BUDGET


def referenced_assets(html: str) -> tuple[list[str], list[str]]:
    stylesheets = [HREF.search(tag).group(1) for tag in STYLESHEET.findall(html) if HREF.search(tag)]
    scripts = SCRIPT.findall(html)
    return stylesheets, scripts


def weigh(path: str, fetch: Callable[[str], tuple[int, bytes]], cache: dict[str, int]) -> Weight:
    status, body = fetch(path)
    weight = Weight(path=path, status=status, html=gzipped_size(body))
    stylesheets, scripts = referenced_assets(body.decode("utf-8", "replace"))
    for kind, urls in (("css", stylesheets), ("js", scripts)):
        for url in urls:
            if url not in cache:
                _asset_status, asset = fetch(url)
                cache[url] = gzipped_size(asset)
            setattr(weight, kind, getattr(weight, kind) + cache[url])
            weight.assets.append(url)
    return weight


def http_fetcher(base: str, email: str | None, password: str | None) -> Callable[[str], tuple[int, bytes]]:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def fetch(path: str) -> tuple[int, bytes]:
        url = path if path.startswith("http") else f"{base}{path}"
        try:
            with opener.open(url, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    if email and password:
        status, body = fetch("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        data = urllib.parse.urlencode(
            {"login": email, "password": password, "csrfmiddlewaretoken": token.group(1).decode() if token else ""}
        ).encode()
        request = urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"})
        opener.open(request, timeout=30).read()
    return fetch


def client_fetchers(email: str | None) -> tuple[Callable[[str], tuple[int, bytes]], Callable[[str], tuple[int, bytes]] | None, str | None]:
    """Django's test client in this process, against the database the settings choose: one anonymous, one signed in
    (as --email, else a site administrator, else any active member; None when the database has nobody). Static
    files are read through the staticfiles finders, as the live site would serve them."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # 403/404 answers are figures here, not errors
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.test import Client

    from hub.models import User
    from hub.roles import GROUP_ROLES, Role

    people = User.objects.filter(is_active=True, is_former_member=False, emailaddress__verified=True)
    user = people.filter(email__iexact=email).first() if email else None
    if user is None:
        user = people.filter(groups__name=GROUP_ROLES[Role.SITE_ADMINISTRATOR]).order_by("pk").first()
    if user is None:
        user = people.order_by("pk").first()

    def fetcher(client: Client) -> Callable[[str], tuple[int, bytes]]:
        def fetch(path: str) -> tuple[int, bytes]:
            if path.startswith(settings.STATIC_URL):
                found = finders.find(path[len(settings.STATIC_URL):].split("?")[0])
                return (200, Path(found).read_bytes()) if found else (404, b"")
            response = client.get(path)
            return response.status_code, b"".join(response) if response.streaming else response.content

        return fetch

    visitor = fetcher(Client(raise_request_exception=False))
    if user is None:
        return visitor, None, None
    member_client = Client(raise_request_exception=False)
    member_client.force_login(user)
    return visitor, fetcher(member_client), user.email


def kb(size: int) -> str:
    return f"{size / 1024:6.1f}"


def print_table(weights: list[Weight]) -> None:
    print(f"{'page':<34} {'status':>6} {'HTML':>7} {'CSS':>7} {'JS':>7} {'total':>7}  budget")
    print(f"{'':<34} {'':>6} {'KB gz':>7} {'KB gz':>7} {'KB gz':>7} {'KB gz':>7}")
    for weight in weights:
        verdict = "ok" if weight.within_budget else "OVER"
        print(f"{weight.path[:34]:<34} {weight.status:>6} {kb(weight.html):>7} {kb(weight.css):>7} {kb(weight.js):>7} "
              f"{kb(weight.total):>7}  {verdict}")
    print(f"budget: total {TOTAL_BUDGET // 1024} KB, JavaScript {JS_BUDGET // 1024} KB (gzip level 6)")
    if weights:
        heaviest = max(weights, key=lambda weight: weight.total)
        print(f"heaviest page: {heaviest.path} {kb(heaviest.total).strip()} KB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="weigh a running server instead of the in-process test client")
    parser.add_argument("--email", help="sign in as this person for the member pages")
    parser.add_argument("--password", help="with --base: the person's password")
    parser.add_argument("--pages", nargs="*", help="paths to weigh (default: every page built so far)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page is over budget")
    args = parser.parse_args(argv)

    if args.base:
        visitor = http_fetcher(args.base.rstrip("/"), None, None)
        member = http_fetcher(args.base.rstrip("/"), args.email, args.password) if args.email and args.password else None
        signed_in = args.email if member else None
    else:
        visitor, member, signed_in = client_fetchers(args.email)
    print(f"Page weight ({'visitor pages, and member pages signed in as ' + signed_in if signed_in else 'visitor only'}; "
          f"{'server ' + args.base if args.base else 'in-process test client'})")
    cache: dict[str, int] = {}
    if args.pages:
        weights = [weigh(path, member or visitor, cache) for path in args.pages]
    else:
        weights = [weigh(path, visitor, cache) for path in VISITOR_PAGES]
        if member is not None:
            weights += [weigh(path, member, cache) for path in MEMBER_PAGES]
    print_table(weights)
    over = [weight for weight in weights if not weight.within_budget]
    return 1 if over and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
