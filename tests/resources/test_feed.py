"""/resources/feed/?q=...: an Atom feed of any search, as the person asking may see it."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest
from django.urls import reverse

from tests.resources.factories import ResourceFactory
from tests.resources.search_helpers import index, resource_with_text

pytestmark = pytest.mark.django_db

FEED = reverse("resources:resource_feed")
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[str]:
    root = ElementTree.fromstring(response.content)
    return [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]


def test_feed_is_atom_with_the_newest_matches():
    resource_with_text("water tariffs", title="Water tariffs")
    resource_with_text("roads", title="Roads")
    from django.test import Client

    response = Client().get(FEED, {"q": "water"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert entries(response) == ["Water tariffs"]
    root = ElementTree.fromstring(response.content)
    assert "water" in root.find(f"{ATOM}title").text
    link = root.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert link.endswith("/resources/") is False and "/resources/" in link


def test_feed_without_query_lists_new_resources_and_applies_filters(client):
    ResourceFactory(title="A guide", resource_type="guide")
    ResourceFactory(title="A toolkit", resource_type="toolkit")
    index()
    assert sorted(entries(client.get(FEED))) == ["A guide", "A toolkit"]
    assert entries(client.get(FEED, {"type": "toolkit"})) == ["A toolkit"]


@pytest.mark.parametrize(("role", "expected"), [
    ("visitor", ["Public"]), ("member", ["Members", "Public"]),
    ("salga_staff", ["Internal", "Members", "Public"]),
])
def test_feed_never_lists_what_the_reader_may_not_see(client_for_role, role, expected):
    for title, visibility in [("Public", "public"), ("Members", "members"), ("Internal", "internal")]:
        resource_with_text("zebracornium", title=title, visibility=visibility)
    ResourceFactory(title="Draft", status="draft", summary="zebracornium")
    index()
    client, _user = client_for_role(role)
    assert sorted(entries(client.get(FEED, {"q": "zebracornium"}))) == expected
    assert b"Draft" not in client.get(FEED).content


@pytest.mark.parametrize("query", ["'", "a & b | !c", "<script>", "\x00", "x" * 3000, '"unclosed'])
def test_feed_takes_hostile_queries(client, query):
    response = client.get(FEED, {"q": query})
    assert response.status_code == 200
    ElementTree.fromstring(response.content)
