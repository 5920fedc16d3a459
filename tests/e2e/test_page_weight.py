"""The page-weight budget (conventions: at most ~60 KB of HTML+CSS+JS gzipped per page, ~25 KB of it JavaScript) and
no external requests, checked on the shared layout with Django's test client. `bench/page_weight.py` prints the
figures for every page; this test keeps the shared parts from creeping over budget unnoticed."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tests.factories import make_user_with_role

BENCH = Path(__file__).resolve().parents[2] / "bench" / "page_weight.py"
_spec = importlib.util.spec_from_file_location("bench_page_weight", BENCH)
page_weight = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = page_weight  # dataclasses look their module up there
_spec.loader.exec_module(page_weight)

PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/municipalities/", "/municipalities/CPT/", "/search/?q=cape",
         "/privacy/"]


def fetcher(client):
    def fetch(path: str) -> tuple[int, bytes]:
        if path.startswith("/static/"):
            found = finders.find(path.removeprefix("/static/").split("?")[0])
            return (200, Path(found).read_bytes()) if found else (404, b"")
        response = client.get(path)
        return response.status_code, response.content

    return fetch


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_visitor_page_is_within_the_weight_budget(client, path):
    # When a visitor's page is weighed with everything it references
    weight = page_weight.weigh(path, fetcher(client), {})

    # Then it answers, references the stylesheet and scripts, and stays within budget
    assert weight.status == 200
    assert any(asset.endswith(".css") for asset in weight.assets)
    assert weight.js <= page_weight.JS_BUDGET, f"{path}: {weight.js} bytes of JavaScript"
    assert weight.total <= page_weight.TOTAL_BUDGET, f"{path}: {weight.total} bytes in total"


@pytest.mark.django_db
def test_member_directory_is_within_the_weight_budget(client):
    # Given a member looking at a directory page
    client.force_login(make_user_with_role("member"))

    # Then the page stays within budget
    weight = page_weight.weigh("/people/", fetcher(client), {})
    assert weight.status == 200
    assert weight.total <= page_weight.TOTAL_BUDGET


@pytest.mark.django_db
def test_pages_load_nothing_from_other_sites(client):
    # When the home page is fetched
    html = client.get("/").content.decode()

    # Then every stylesheet, script, image and icon it loads comes from the site itself
    sources = re.findall(r"<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)=[\"']([^\"']+)", html)
    assert sources
    assert all(source.startswith("/") and not source.startswith("//") for source in sources), sources
