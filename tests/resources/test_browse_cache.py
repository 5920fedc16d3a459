"""Browsing without search words keeps its total and facet counts between requests (resources.browse_cache):
the same results as counting afresh, for the same kind of person only, and never after a change."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resources import browse_cache
from resources.models import Resource
from resources.selectors import Sort, search_resources
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, TopicFactory

pytestmark = pytest.mark.django_db

VISITOR = AnonymousUser()


@pytest.fixture(autouse=True)
def _empty_browse_cache():
    caches["browse"].clear()
    yield
    caches["browse"].clear()


def browse(user=VISITOR, **kwargs):
    """search_resources without words, and whether its counts were kept (no counting statement ran)."""
    with CaptureQueriesContext(connection) as queries:
        results = search_resources(user=user, **kwargs)
    counted = any("WITH hits AS MATERIALIZED" in query["sql"] for query in queries.captured_queries)
    return results, not counted


def summary(results) -> tuple:
    facets = {facet.name: sorted((option.value, option.count) for option in facet.options)
              for facet in results.facets}
    return results.total, facets, [hit.resource.pk for hit in results.hits], results.page_obj.number


def test_the_second_visit_uses_the_kept_counts_and_sees_exactly_what_counting_shows(settings):
    # Given resources of two types on two topics, some with equal dates and download counts (ties)
    water, finance = TopicFactory(name="Water", slug="water"), TopicFactory(name="Finance", slug="finance")
    day = timezone.now() - datetime.timedelta(days=3)
    for number in range(25):
        resource = ResourceFactory(
            title=f"{'Guide' if number % 2 else 'toolkit'} {number % 7}",
            resource_type="guide" if number % 3 else "toolkit",
            published_at=day if number % 4 else day - datetime.timedelta(days=number),
            download_count=number % 5,
        )
        resource.topics.add(water if number % 2 else finance)
    for sort in (Sort.NEWEST, Sort.DOWNLOADS, Sort.TITLE):
        for page in (1, 2, 9):  # 9: past the last page, which shows the last one
            # (no legal brief exists: a page of nothing)
            for filters in ({}, {"type": ["guide"]}, {"topic": ["water"]}, {"type": ["legal_brief"]}):
                # When the same page is browsed twice
                first, first_kept = browse(sort=sort, page=page, page_size=10, filters=filters)
                second, second_kept = browse(sort=sort, page=page, page_size=10, filters=filters)
                # Then the second used the kept counts, and shows exactly what the first (counted) showed
                assert second_kept, (sort, page, filters)
                assert summary(second) == summary(first), (sort, page, filters)
    # And with keeping turned off, everything is counted every time
    settings.RESOURCES_BROWSE_CACHE_SECONDS = 0
    assert not browse()[1] and not browse()[1]


def test_a_search_with_words_never_uses_kept_counts():
    ResourceFactory(title="Water guide")
    browse()
    assert not browse(query="water")[1]


def test_counts_kept_for_staff_are_never_shown_to_others():
    # Given public, members-only and internal resources
    ResourceFactory(visibility=Resource.Visibility.PUBLIC)
    ResourceFactory(visibility=Resource.Visibility.MEMBERS)
    ResourceFactory(visibility=Resource.Visibility.INTERNAL)
    staff, member = make_user_with_role("salga_staff"), make_user_with_role("member")
    # When staff browse first (their counts are kept), then a member and a visitor browse twice
    assert browse(user=staff)[0].total == 3
    assert browse(user=staff)[1]
    for user, expected in ((member, 2), (VISITOR, 1)):
        results, _kept = browse(user=user)
        again, kept = browse(user=user)
        # Then each sees only their own count, also from what was kept for them
        assert results.total == again.total == expected and kept
        assert "visibility" not in {facet.name for facet in again.facets}


def test_publishing_a_resource_changes_the_next_count_at_once():
    ResourceFactory()
    assert browse()[0].total == 1
    new = ResourceFactory(status=Resource.Status.SUBMITTED)  # not visible yet
    assert browse()[0].total == 1
    new.status = Resource.Status.PUBLISHED
    new.save()
    results, kept = browse()
    assert results.total == 2 and not kept


@pytest.mark.parametrize(
    "change", ["topic added", "topic removed", "archived", "deleted", "made internal", "topic renamed"]
)
def test_every_kind_of_change_is_seen_by_the_next_visit(change):
    topic = TopicFactory(name="Water")
    resource = ResourceFactory()
    other = ResourceFactory()
    other.topics.add(topic)
    if change == "topic removed":
        resource.topics.add(topic)
    before, _ = browse()
    assert browse()[1]
    if change == "topic added":
        resource.topics.add(topic)
    elif change == "topic removed":
        resource.topics.remove(topic)
    elif change == "archived":
        resource.status = Resource.Status.ARCHIVED
        resource.save()
    elif change == "deleted":
        resource.delete()
    elif change == "made internal":
        resource.visibility = Resource.Visibility.INTERNAL
        resource.save()
    elif change == "topic renamed":
        topic.name = "Water and sanitation"
        topic.save()
    after, kept = browse()
    assert not kept
    fresh = search_resources(user=VISITOR, with_facets=True)
    assert summary(after) == summary(fresh)


def test_counts_read_before_a_change_committed_are_not_used_after_it(django_capture_on_commit_callbacks):
    ResourceFactory()
    browse()
    with django_capture_on_commit_callbacks(execute=True):
        # Given a change not yet committed, and a request that reads the generation meanwhile (and the
        # database, which does not show the change yet)
        browse_cache.forget_all()
        generation, _ = browse_cache.lookup(["public"], ["type"], {})
        assert generation is not None
    # When that request keeps its counts after the change committed
    browse_cache.keep(generation, ["public"], ["type"], {}, (99, [], 1))
    # Then they are never used
    assert browse_cache.lookup(["public"], ["type"], {})[1] is None


def test_kept_counts_expire(settings):
    ResourceFactory()
    browse()
    assert browse()[1]
    caches["browse"].clear()  # what expiry does
    assert not browse()[1]
    assert Resource.objects.exists()
