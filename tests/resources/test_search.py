"""Full-text search of resources: weighting, accents, web-search syntax, snippets, facets, "did you mean",
visibility (nothing leaks through counts, snippets or suggestions), hostile input and the query budget."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from resources.models import Resource
from resources.selectors import clean_query, query_terms, search_resources
from resources.services.search import update_search_vector
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, TopicFactory
from tests.resources.search_helpers import index, resource_with_text

pytestmark = pytest.mark.django_db

VISITOR = AnonymousUser()


def titles(results) -> list[str]:
    return [hit.resource.title for hit in results.hits]


def test_update_search_vector_weights_title_summary_body_and_file_text():
    # Given a resource with distinct words in each part
    resource = resource_with_text(
        "pumpstation telemetry", title="Aquifer guide", summary="Borehole summary", body="Reservoir body",
        tags=["drought"],
    )
    # Then every part is searchable and weighted A (title) > B (summary, tags) > C (body) > D (files)
    vector = str(Resource.objects.values_list("search_vector", flat=True).get(pk=resource.pk))
    assert "'aquif':1A" in vector
    assert "'boreho" in vector and "B" in vector.split("'boreho")[1][:8]
    assert "'reservoir':" in vector and "C" in vector.split("'reservoir'")[1][:6]
    assert "'telemetri':" in vector and "'drought':" in vector
    assert resource.search_text.startswith("aquifer guide")


def test_a_title_match_ranks_above_a_match_inside_a_file():
    # Given one resource with the word in its title and one with it only in its file
    in_file = resource_with_text("the sanitation backlog in rural wards", title="Rural ward report")
    in_title = resource_with_text("", title="Sanitation backlog guide")
    # When searching
    results = search_resources(user=VISITOR, query="sanitation")
    # Then both match, the title match first
    assert titles(results) == [in_title.title, in_file.title]


def test_accents_and_word_endings_are_ignored():
    resource_with_text("", title="Water plan for Khâi-Ma", summary="Budgets of the municipality")
    assert search_resources(user=VISITOR, query="Khai-Ma").total == 1
    assert search_resources(user=VISITOR, query="khâi ma").total == 1
    assert search_resources(user=VISITOR, query="budget").total == 1
    assert search_resources(user=VISITOR, query="Tshivenḓa").total == 0


def test_web_search_syntax_phrases_or_and_exclusion():
    both = resource_with_text("water conservation by-laws", title="Conservation by-laws")
    water_only = resource_with_text("conservation of water in drought", title="Drought note")
    electricity = resource_with_text("electricity tariffs", title="Tariffs")
    assert titles(search_resources(user=VISITOR, query='"water conservation"')) == [both.title]
    assert set(titles(search_resources(user=VISITOR, query="tariffs OR drought"))) == {
        water_only.title, electricity.title
    }
    assert titles(search_resources(user=VISITOR, query="conservation -drought")) == [both.title]


def test_a_phrase_only_inside_a_file_is_found_with_a_highlighted_snippet():
    resource_with_text("Chapter 3 explains the indigent register verification process in detail.", title="Policy")
    results = search_resources(user=VISITOR, query='"indigent register"')
    assert results.total == 1
    assert "<mark>indigent</mark> <mark>register</mark>" in results.hits[0].snippet


def test_snippets_escape_document_text_and_only_our_marks_are_html():
    resource_with_text(
        '<script>alert("x")</script> <img src=x onerror=alert(1)> water \ue000 billing <mark>fake</mark>',
        title="Hostile document",
    )
    snippet = search_resources(user=VISITOR, query="water").hits[0].snippet
    assert "<script>" not in snippet and "<img" not in snippet and "<mark>fake" not in snippet
    # (ts_headline drops what its parser reads as tags; whatever it keeps is escaped)
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet
    assert snippet.count("<mark>") == 1 and "<mark>water</mark>" in snippet


def test_without_a_query_results_are_newest_first_and_snippet_is_the_summary():
    older = ResourceFactory(title="Older", summary="First <b>summary</b>")
    newer = ResourceFactory(title="Newer")
    Resource.objects.filter(pk=older.pk).update(published_at="2020-01-01T10:00:00Z")
    index()
    results = search_resources(user=VISITOR)
    assert titles(results) == ["Newer", "Older"]
    assert results.sort == "newest"
    assert "&lt;b&gt;summary" in results.hits[1].snippet


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("downloads", ["Popular", "Alpha", "Zulu"]), ("title", ["Alpha", "Popular", "Zulu"]),
     ("newest", ["Zulu", "Popular", "Alpha"])],
)
def test_sorting(sort, expected):
    for title, downloads, day in [("Alpha", 5, 1), ("Popular", 50, 2), ("Zulu", 1, 3)]:
        resource = ResourceFactory(title=title, summary="budget guide")
        Resource.objects.filter(pk=resource.pk).update(download_count=downloads, published_at=f"2024-01-0{day}T09:00Z")
    index()
    assert titles(search_resources(user=VISITOR, query="budget", sort=sort)) == expected


def test_facets_count_the_visible_filtered_set_and_are_disjunctive():
    water = TopicFactory(name="Water and Sanitation", slug="water-and-sanitation")
    drought = TopicFactory(name="Drought response", slug="drought-response", parent=water)
    finance = TopicFactory(name="Municipal Finance", slug="municipal-finance")
    ResourceFactory(title="Drought guide", resource_type="guide", topics=[drought], languages=["en", "zu"])
    ResourceFactory(title="Water toolkit", resource_type="toolkit", topics=[water], languages=["en"])
    ResourceFactory(title="Budget guide", resource_type="guide", topics=[finance], languages=["af"])
    index()

    results = search_resources(user=VISITOR, filters={"type": ["guide"]})
    facets = {facet.name: {option.value: option.count for option in facet.options} for facet in results.facets}
    assert results.total == 2
    # Type counts ignore the type filter (so a second type can be added); other facets apply it.
    assert facets["type"] == {"guide": 2, "toolkit": 1}
    # A theme counts its sub-topics' resources once.
    assert facets["topic"] == {"water-and-sanitation": 1, "drought-response": 1, "municipal-finance": 1}
    assert facets["language"] == {"en": 1, "zu": 1, "af": 1}
    assert "visibility" not in facets  # staff only

    by_theme = search_resources(user=VISITOR, filters={"topic": ["water-and-sanitation"]})
    assert sorted(titles(by_theme)) == ["Drought guide", "Water toolkit"]


def test_year_province_and_organisation_filters():
    from hub.models import Organisation, Province

    western_cape = Province.objects.get(code="WC")
    organisation = Organisation.objects.filter(kind="salga").first()
    dated = ResourceFactory(title="Dated", publication_date="2019-05-01", organisation=organisation)
    dated.provinces.add(western_cape)
    ResourceFactory(title="Other", publication_date="2021-05-01")
    index()
    assert titles(search_resources(user=VISITOR, filters={"year": ["2019"]})) == ["Dated"]
    assert titles(search_resources(user=VISITOR, filters={"province": ["WC"]})) == ["Dated"]
    assert titles(search_resources(user=VISITOR, filters={"organisation": [str(organisation.pk)]})) == ["Dated"]
    facets = {facet.name: facet for facet in search_resources(user=VISITOR).facets}
    assert [(o.value, o.count) for o in facets["year"].options] == [("2021", 1), ("2019", 1)]
    assert [(o.label, o.count) for o in facets["province"].options] == [("Western Cape", 1)]


def test_did_you_mean_suggests_a_close_word_of_visible_resources():
    resource_with_text("", title="Electricity revenue guide", summary="Sanitation budgets")
    results = search_resources(user=VISITOR, query="electrisity sanitaton")
    assert results.total == 0
    assert results.suggestion == "electricity sanitation"
    assert search_resources(user=VISITOR, query="qqqzzzxx").suggestion == ""


@pytest.mark.parametrize("role", ["visitor", "member", "municipal_official"])
def test_an_internal_resource_never_shows_in_results_counts_snippets_or_suggestions(role):
    # Given an internal resource with a unique word, and a public one
    resource_with_text(
        "zebracornium appears only here", title="Internal zebracornium memo", visibility="internal",
        resource_type="legal_brief", languages=["xh"],
    )
    resource_with_text("public budget text", title="Public budget guide", resource_type="guide", languages=["en"])
    user = make_user_with_role(role) or VISITOR
    # When a non-staff person searches for the word, a typo of it, or browses
    found = search_resources(user=user, query="zebracornium")
    typo = search_resources(user=user, query="zebracornum")
    browse = search_resources(user=user)
    # Then nothing of it appears anywhere
    assert found.total == 0 and found.hits == []
    assert "zebracorn" not in typo.suggestion
    for results in (found, typo, browse):
        for facet in results.facets:
            values = {option.value: option.count for option in facet.options}
            assert "legal_brief" not in values and "xh" not in values and "internal" not in values
    assert browse.total == 1 and titles(browse) == ["Public budget guide"]


def test_staff_find_internal_resources_and_filter_by_visibility():
    resource_with_text("zebracornium appears only here", title="Internal zebracornium memo", visibility="internal")
    staff = make_user_with_role("salga_staff")
    assert titles(search_resources(user=staff, query="zebracornium")) == ["Internal zebracornium memo"]
    assert search_resources(user=staff, query="zebracornum").suggestion == "zebracornium"
    facets = {facet.name: facet for facet in search_resources(user=staff).facets}
    assert [(o.value, o.count) for o in facets["visibility"].options] == [("internal", 1)]
    assert search_resources(user=staff, filters={"visibility": ["public"]}).total == 0


def test_members_only_resources_need_a_member():
    ResourceFactory(title="Members guide", visibility="members")
    index()
    assert search_resources(user=VISITOR).total == 0
    assert search_resources(user=make_user_with_role("member")).total == 1
    assert search_resources(user=make_user_with_role("unverified")).total == 0


def test_unpublished_resources_are_never_found():
    for status in ["draft", "submitted", "changes_requested", "archived", "rejected"]:
        ResourceFactory(title=f"Budget {status}", status=status)
    index()
    assert search_resources(user=make_user_with_role("site_administrator"), query="budget").total == 0


@pytest.mark.parametrize("page_size", [1, 5, 50])
def test_a_search_costs_a_fixed_number_of_queries_whatever_the_page_size(page_size, django_assert_max_num_queries):
    topic = TopicFactory()
    for number in range(12):
        resource_with_text(f"budget text {number}", title=f"Budget guide {number}", topics=[topic])
    staff = make_user_with_role("salga_staff")
    # The statement, SET LOCAL, loading the page's resources, and the role checks of visible_to.
    with django_assert_max_num_queries(6):
        results = search_resources(user=staff, query="budget", filters={"topic": [topic.slug]}, page_size=page_size)
    assert len(results.hits) == min(page_size, 12)
    with django_assert_max_num_queries(8):  # plus "did you mean" and its check
        search_resources(user=staff, query="budgte")


def test_a_page_past_the_end_shows_the_last_page():
    for number in range(3):
        ResourceFactory(title=f"Guide {number}")
    index()
    results = search_resources(user=VISITOR, page=99, page_size=2)
    assert results.page_obj.number == 2 and len(results.hits) == 1


HOSTILE_QUERIES = [
    "'", "''", "&", "|", "!", ":*", "(", ")", "<->", "a & b | !c", "water:* & (x | y)", "'; DROP TABLE x; --",
    "\\", '"', '"unclosed phrase', "-", "--", "- -water", "OR", "or or", "a <2> b", "%_%", "\x00water\x00",
    "\u0000", "x" * 5000, "water " * 500, "<script>alert(1)</script>", "Khâi-Ma Tshivenḓa", "\ue000\ue001",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_fail(query):
    resource_with_text("water budget", title="Water budget")
    results = search_resources(user=VISITOR, query=query)
    assert results.total >= 0
    assert len(results.query) <= 200 and "\x00" not in results.query


def test_clean_query_and_query_terms():
    assert clean_query("  water\x00 \n budget\t") == "water budget"
    assert len(clean_query("y" * 10_000)) == 200
    assert query_terms('"Khâi-Ma water" OR -drought budgets 2019 to') == ["khai", "water", "budgets"]


def test_update_search_vector_sees_new_file_text_and_tags():
    resource = resource_with_text("", title="Plain title")
    assert search_resources(user=VISITOR, query="hydroponics").total == 0
    resource.tags.add("hydroponics")
    update_search_vector(resource_id=resource.pk)
    assert search_resources(user=VISITOR, query="hydroponics").total == 1


def test_very_broad_searches_estimate_facet_counts_from_an_even_sample(monkeypatch):
    from resources import selectors

    for number in range(40):
        ResourceFactory(title=f"Budget guide {number}", resource_type="guide" if number % 4 else "toolkit")
    index()
    exact = search_resources(user=VISITOR, query="budget")
    assert not exact.facet_counts_estimated
    assert {o.value: o.count for o in exact.facets[0].options} == {"guide": 30, "toolkit": 10}

    monkeypatch.setattr(selectors, "FACET_SAMPLE_SIZE", 10)
    estimated = search_resources(user=VISITOR, query="budget")
    assert estimated.total == 40 and estimated.facet_counts_estimated
    counts = {o.value: o.count for o in estimated.facets[0].options}
    assert set(counts) <= {"guide", "toolkit"} and 20 <= sum(counts.values()) <= 60


def test_estimates_are_rounded_to_two_significant_figures():
    from resources.selectors import _estimate

    assert _estimate(7, 1) == 7
    assert _estimate(123, 9) == 1100
    assert _estimate(1, 25) == 25


def test_beyond_the_ranked_candidates_every_match_still_appears_once(monkeypatch):
    from resources import selectors

    for number in range(7):
        resource = ResourceFactory(title=f"Guide {number}", summary="budget " * (number + 1))
        Resource.objects.filter(pk=resource.pk).update(download_count=number)
    index()
    monkeypatch.setattr(selectors, "RANK_CANDIDATES", 3)
    seen = []
    for page in (1, 2, 3):
        results = search_resources(user=VISITOR, query="budget", page=page, page_size=3)
        seen += titles(results)
    assert sorted(seen) == [f"Guide {number}" for number in range(7)]
    # The three most downloaded are ranked (more mentions first), then the rest newest first.
    assert seen[:3] == ["Guide 6", "Guide 5", "Guide 4"]


def test_vocabulary_refresh_is_skipped_when_a_later_one_already_ran(django_capture_on_commit_callbacks):
    import time

    from resources.services.search import refresh_search_vocabulary

    before = time.time() - 1
    assert refresh_search_vocabulary(requested_at=before) is True
    assert refresh_search_vocabulary(requested_at=before) is False
    resource = ResourceFactory(title="Hydroponics pilot")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_search_vector(resource_id=resource.pk)
    assert len(callbacks) == 1  # the refresh task was enqueued (and ran: immediate backend in tests)
    assert search_resources(user=VISITOR, query="hydroponiks").suggestion == "hydroponics"
