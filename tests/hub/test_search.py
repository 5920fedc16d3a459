"""Site search at /search/: results grouped by kind from every registered provider, visible_to(user) applied."""

from __future__ import annotations

import re

import pytest

from hub import registry
from hub.registry import SearchGroup, SearchResult
from hub.roles import Role
from hub.selectors import clean_search_query
from tests.hub.helpers_people import person

pytestmark = pytest.mark.django_db

URL = "/search/"


def _groups(response) -> dict[str, str]:
    """Group key -> the HTML of that group."""
    html = response.content.decode()
    return dict(
        re.findall(r'<section class="section" aria-labelledby="group-([a-z-]+)">(.*?)</section>', html, re.S)
    )


def test_an_empty_query_shows_the_form_and_tips(client):
    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="q"' in html
    assert "Search tips" in html
    assert _groups(response) == {}


def test_every_role_can_search_municipalities(client_for_role, role):
    client, _user = client_for_role(role)

    response = client.get(URL, {"q": "cape"})

    groups = _groups(response)
    assert response.status_code == 200
    assert "City of Cape Town" in groups["municipalities"]


def test_people_are_found_by_members_only(client_for_role, role):
    listed = person(listed=True, expert=True, full_name="Capetonian Expert", code="CPT")
    client, _user = client_for_role(role)

    response = client.get(URL, {"q": "Capetonian"})

    html = response.content.decode()
    if role == Role.VISITOR:
        assert listed.full_name not in html
        assert "to search people" in html
    else:
        groups = _groups(response)
        assert listed.full_name in groups["people"]
        assert listed.full_name in groups["experts"]
    assert listed.email not in html


def test_unverified_accounts_do_not_find_people(client_for_role):
    listed = person(listed=True, full_name="Capetonian Expert")
    client, _user = client_for_role("unverified")

    html = client.get(URL, {"q": "Capetonian"}).content.decode()

    assert listed.full_name not in html


def test_people_who_did_not_opt_in_are_never_found(client_for_role):
    private = person(full_name="Private Capetonian")
    client, _user = client_for_role("member")

    html = client.get(URL, {"q": "Capetonian"}).content.decode()

    assert private.full_name not in html


def test_groups_show_counts_and_a_see_all_link(client):
    response = client.get(URL, {"q": "a"})

    groups = _groups(response)
    municipalities = groups["municipalities"]
    total = int(re.search(r"\((\d+)\)", municipalities).group(1))
    assert total > 5
    assert municipalities.count('class="result"') == 5
    assert f"See all {total} municipalities" in municipalities
    assert 'href="/municipalities/?q=a"' in municipalities


def test_the_see_all_page_shows_the_same_count(client):
    search = _groups(client.get(URL, {"q": "mandela"}))["municipalities"]
    total = int(re.search(r"\((\d+)\)", search).group(1))

    listing = client.get("/municipalities/", {"q": "mandela"}).content.decode()

    # The list page adds a matching local's district for context; the matches themselves are the same.
    for code in re.findall(r'href="/municipalities/([A-Z0-9]+)/"', search):
        assert f"/municipalities/{code}/" in listing
    assert total == 3


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Khai-Ma", "Khâi-Ma Local Municipality"),
        ("khai ma", "Khâi-Ma Local Municipality"),
        ("cpt", "City of Cape Town"),
        ("DC10", "Sarah Baartman District Municipality"),
        ("Msunduzi", "Msunduzi Local Municipality"),
    ],
)
def test_municipalities_are_found_by_near_name_or_code_best_first(client, query, first):
    municipalities = _groups(client.get(URL, {"q": query}))["municipalities"]

    titles = re.findall(r'<h3 class="result__title"><a href="[^"]+">([^<]+)</a>', municipalities)
    assert titles[0] == first


def test_no_results_gives_helpful_advice(client):
    response = client.get(URL, {"q": "qqqzzzxxx"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing matches" in html
    assert "Check the spelling" in html


@pytest.mark.parametrize("query", ["%", "_", "%_%", "\\", "'", '"; DROP TABLE hub_user; --'])
def test_wildcards_and_quotes_are_taken_literally(client, query):
    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert _groups(response) == {}


def test_script_in_the_query_is_shown_inert(client):
    response = client.get(URL, {"q": "<script>alert(1)</script>"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_very_long_query_is_cut_and_answered(client):
    response = client.get(URL, {"q": "cape " * 2000})

    assert response.status_code == 200
    assert response.context["query"] == ("cape " * 40).strip()


def test_control_characters_do_not_break_the_search(client):
    response = client.get(URL, {"q": "cape\x00town\x1f"})

    assert response.status_code == 200
    assert response.context["query"] == "cape town"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (None, ""),
        ("  Khâi-Ma  ", "Khâi-Ma"),
        ("a\x00b", "a b"),
        ("a\n\tb", "a b"),
        ("Tshivenḓa", "Tshivenḓa"),
        ("x" * 500, "x" * 200),
    ],
)
def test_clean_search_query(raw, clean):
    assert clean_search_query(raw) == clean


def test_a_registered_provider_gets_its_own_group(client):
    class ResourceProvider:
        key = "test-resources"
        label = "Resources"

        def search(self, *, user, query, limit):
            results = [SearchResult(title=f"Guide to {query}", url="/r/1/", summary="<b>bold</b>")]
            return SearchGroup(key=self.key, label=self.label, results=results, total=12, more_url="/r/?q=x")

    provider = ResourceProvider()
    registry.register_search_provider(provider)
    try:
        response = client.get(URL, {"q": "water"})
    finally:
        registry._registry.search_providers.remove(provider)

    group = _groups(response)["test-resources"]
    assert "Guide to water" in group
    assert "(12)" in group
    assert 'href="/r/?q=x"' in group
    assert "&lt;b&gt;bold&lt;/b&gt;" in group
