"""The home page: what the hub is for, real figures, calls to action and the sections apps register."""

from __future__ import annotations

import re

import pytest
from django.utils.html import format_html

from hub import registry
from hub.models import Profile
from hub.roles import Role
from hub.selectors import home_statistics
from tests.hub.helpers_people import person

pytestmark = pytest.mark.django_db


def _stat(html: str, label: str) -> int:
    match = re.search(
        r'<span class="stats__number">([\d,\s]+)</span> <span class="stats__label">' + label, html
    )
    assert match, label
    return int(re.sub(r"\D", "", match.group(1)))


def test_every_role_gets_the_home_page(client_for_role, role):
    client, _user = client_for_role(role)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Find a municipality" in html
    assert "Find an expert" in html
    if role == Role.VISITOR:
        assert 'href="/accounts/signup/"' in html
    else:
        assert "Create an account</a>" not in html.split("<main", 1)[1]


def test_the_figures_are_real(client):
    person(listed=True)
    person(listed=True, expert=True)
    person(expert=True)
    person()
    former = person(listed=True, expert=True)
    former.is_former_member = True
    former.save()

    html = client.get("/").content.decode()

    assert _stat(html, "municipalities") == 257
    assert _stat(html, "provinces") == 9
    assert _stat(html, "members in the directory") == 2
    assert _stat(html, "experts available to advise") == 2


def test_home_statistics_follow_opt_outs():
    listed = person(listed=True, expert=True)
    assert home_statistics()["members_listed"] == 1

    Profile.objects.filter(user=listed).update(listed_in_directory=False, available_as_expert=False)

    assert home_statistics() == {"provinces": 9, "municipalities": 257, "members_listed": 0, "experts": 0}


def test_an_unverified_account_is_invited_to_verify(client_for_role):
    client, _user = client_for_role("unverified")

    html = client.get("/").content.decode()

    assert "Verify your email address" in html


def test_the_home_page_is_light(client, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr(registry._registry, "home_sections", [])  # the apps' sections count their own

    # figures (one query for both profile counts), provinces, municipalities
    with django_assert_max_num_queries(3):
        response = client.get("/")

    assert len(response.content) < 20_000


def test_no_placeholder_text_for_apps_not_built_yet(client):
    html = client.get("/").content.decode().lower()

    for placeholder in ("coming soon", "lorem ipsum", "under construction", "todo:"):
        assert placeholder not in html


def test_sections_registered_by_apps_appear(client):
    section = registry.PageSection(
        key="test-latest",
        order=5,
        render=lambda request: format_html("<section><h2>{}</h2></section>", "Latest"),
    )
    empty = registry.PageSection(key="test-empty", order=6, render=lambda request: "")
    registry.register_home_section(section)
    registry.register_home_section(empty)
    try:
        html = client.get("/").content.decode()
    finally:
        registry._registry.home_sections.remove(section)
        registry._registry.home_sections.remove(empty)

    assert "<section><h2>Latest</h2></section>" in html
