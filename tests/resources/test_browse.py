"""/resources/: the search page as people use it, without JavaScript: GET forms, facet checkboxes with counts,
sorting, pagination, "did you mean", the feed link, hostile input and the query budget."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, TopicFactory
from tests.resources.search_helpers import index, resource_with_text
from tests.resources.test_search import HOSTILE_QUERIES

pytestmark = pytest.mark.django_db

URL = reverse("resources:resource_list")


def test_the_page_lists_published_resources_with_type_date_and_organisation(client):
    from hub.models import Organisation

    organisation = Organisation.objects.get(municipality__code="CPT")
    ResourceFactory(title="Water tariff toolkit", resource_type="toolkit", organisation=organisation,
                    publication_date="2023-03-14")
    ResourceFactory(title="Draft thing", status="draft")
    index()
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Water tariff toolkit" in html and "Draft thing" not in html
    assert "Toolkit" in html and "14 March 2023" in html and organisation.name in html
    assert "1 resource" in html
    assert 'action="/resources/"' in html and 'method="get"' in html


def test_a_search_shows_highlighted_snippets_and_facet_checkboxes_with_counts(client):
    topic = TopicFactory(name="Water and Sanitation", slug="water-and-sanitation")
    resource_with_text("Notes on the drought tariff for households.", title="Tariff note", topics=[topic])
    response = client.get(URL, {"q": "drought"})
    html = response.content.decode()
    assert "<mark>drought</mark>" in html
    assert 'type="checkbox"' in html and 'name="topic" value="water-and-sanitation"' in html
    assert "Water and Sanitation" in html and "(1<span" in html
    assert "1 resource matches “drought”" in html


def test_facet_filters_are_get_parameters_that_can_be_shared(client):
    ResourceFactory(title="A guide", resource_type="guide")
    ResourceFactory(title="A toolkit", resource_type="toolkit")
    index()
    html = client.get(URL, {"type": ["toolkit"]}).content.decode()
    assert "A toolkit" in html and "A guide" not in html
    assert 'name="type" value="toolkit" checked' in html
    both = client.get(URL + "?type=toolkit&type=guide").content.decode()
    assert "A toolkit" in both and "A guide" in both
    assert "Clear filters" in both


def test_invalid_filter_values_narrow_nothing_and_never_fail(client):
    ResourceFactory(title="A guide")
    index()
    for parameters in [
        {"type": "nonsense"}, {"year": "abcd"}, {"organisation": "-1"}, {"province": "<x>"}, {"topic": "a b/c"},
        {"sort": "'; drop"}, {"page": "-5"}, {"page": "99999999999999999999"}, {"visibility": "internal"},
        {"municipality": "%00"}, {"year": ["2019"] * 100},
    ]:
        response = client.get(URL, parameters)
        assert response.status_code == 200, parameters


def test_visitors_cannot_filter_by_visibility_to_find_internal_items(client):
    ResourceFactory(title="Internal memo", visibility="internal")
    index()
    html = client.get(URL, {"visibility": "internal"}).content.decode()
    assert "Internal memo" not in html and 'name="visibility"' not in html


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_get_a_page_not_an_error(client, query):
    resource_with_text("water", title="Water")
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_query_with_a_nul_byte_in_the_raw_url_is_fine(client):
    assert client.get(URL + "?q=wat%00er&type=%00").status_code == 200


def test_did_you_mean_links_to_the_corrected_search_keeping_filters(client):
    resource_with_text("", title="Electricity revenue guide", resource_type="guide")
    html = client.get(URL, {"q": "electrisity", "type": "guide"}).content.decode()
    assert "Did you mean" in html
    assert 'href="/resources/?q=electricity&amp;type=guide"' in html
    assert "No resources match “electrisity”" in html


def test_sort_form_and_pagination_keep_the_search(client):
    for number in range(23):
        ResourceFactory(title=f"Budget guide {number:02d}", summary="budget")
    index()
    html = client.get(URL, {"q": "budget", "sort": "title"}).content.decode()
    assert '<option value="title" selected>' in html
    assert "Budget guide 00" in html and "Budget guide 20" not in html
    assert "q=budget&amp;sort=title&amp;page=2" in html
    page_two = client.get(URL, {"q": "budget", "sort": "title", "page": 2}).content.decode()
    assert "Budget guide 20" in page_two and "Page 2 of 2" in page_two


def test_the_page_links_its_atom_feed_and_saving_the_search(client):
    html = client.get(URL, {"q": "water", "sort": "newest", "page": "2"}).content.decode()
    assert 'type="application/atom+xml"' in html
    assert 'href="/resources/feed/?q=water"' in html
    assert "/resources/library/searches/?q=water&amp;sort=newest" in html


# Statements every signed-in request makes before the page's own work: allauth's user-session tracking (and the
# savepoints around it, which only exist inside the test's transaction).
SESSION_TRACKING = ("usersessions_usersession", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.mark.parametrize("role", ["visitor", "member", "salga_staff"])
@pytest.mark.parametrize("page_size", [5, 20, 100])
def test_the_full_page_costs_at_most_ten_queries(client_for_role, role, page_size, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from resources import selectors

    topic = TopicFactory()
    for number in range(30):
        resource_with_text(f"budget text {number}", title=f"Budget guide {number}", topics=[topic],
                           visibility="public" if number % 2 else "members")
    client, _user = client_for_role(role)
    client.get(reverse("hub:home"))  # a session's first request records it (allauth user sessions)
    original = selectors.DEFAULT_PAGE_SIZE
    selectors.DEFAULT_PAGE_SIZE = page_size
    try:
        for parameters in [{"q": "budget", "topic": topic.slug, "sort": "relevance"}, {"q": "budgte"}, {}]:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(URL, parameters)
            assert response.status_code == 200
            counted = [q["sql"] for q in queries.captured_queries
                       if not any(marker in q["sql"] for marker in SESSION_TRACKING)]
            assert len(counted) <= 10, counted
    finally:
        selectors.DEFAULT_PAGE_SIZE = original


def test_header_links_to_resources(client):
    html = client.get(URL).content.decode()
    assert '<a href="/resources/"' in html


def test_staff_see_a_visibility_facet(client_for_role):
    ResourceFactory(title="Internal memo", visibility="internal")
    index()
    client, _user = client_for_role("salga_staff")
    html = client.get(URL).content.decode()
    assert "Internal memo" in html and 'name="visibility" value="internal"' in html


def test_only_get_and_head_are_allowed(client):
    assert client.post(URL).status_code == 405


def test_member_sees_members_only_resources(client_for_role):
    ResourceFactory(title="Members guide", visibility="members")
    index()
    member_client, _ = client_for_role("member")
    visitor_client, _ = client_for_role("visitor")
    assert "Members guide" in member_client.get(URL).content.decode()
    assert "Members guide" not in visitor_client.get(URL).content.decode()


def test_official_can_search(client_for_role):
    resource_with_text("indigent register", title="Indigent policy")
    client, _user = client_for_role("municipal_official")
    assert "Indigent policy" in client.get(URL, {"q": "indigent"}).content.decode()
    assert make_user_with_role("member") is not None
