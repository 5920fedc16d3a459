"""Browse and search the resource centre (/resources/) and the Atom feed of any search (/resources/feed/?q=...).
Open to everyone; what each person finds is limited to what they may see (Resource.objects.visible_to)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from resources.feeds import ResourceSearchFeed
from resources.filters import ResourceFilter
from resources.models import Resource
from resources import selectors
from resources.selectors import search_resources

MAX_PAGE_NUMBER = 10_000


def page_number(request: HttpRequest) -> int:
    """?page=N as a number from 1 to MAX_PAGE_NUMBER; anything else is page 1."""
    value = request.GET.get("page", "")
    if value.isdigit():
        return min(max(int(value), 1), MAX_PAGE_NUMBER)
    return 1


@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    """Search box, facets with counts, sortable results with highlighted snippets, "did you mean", pagination and
    a link to the same search as an Atom feed. Every state is a shareable GET URL."""
    resource_filter = ResourceFilter(request.GET or None, queryset=Resource.objects.none(), user=request.user)
    results = search_resources(
        user=request.user,
        query=resource_filter.cleaned_query,
        filters=resource_filter.facet_values(),
        sort=resource_filter.chosen_sort,
        page=page_number(request),
        page_size=selectors.DEFAULT_PAGE_SIZE,
    )
    # The search as valid parameters only (what the forms carry along and the links share).
    search_parameters = search_parameters_of(query=results.query, sort=resource_filter.chosen_sort, filters=results.filters)
    feed_parameters = [(key, value) for key, value in search_parameters if key != "sort"]
    suggestion_parameters = [(key, value) for key, value in search_parameters if key != "q"]
    facet_names = {facet.name for facet in results.facets} | {"municipality"}
    context = {
        "filter": resource_filter,
        "form": resource_filter.form,
        "results": results,
        "hits": results.hits,
        "page_obj": results.page_obj,
        "facets": results.facets,
        "query": results.query,
        "sort": results.sort,
        "sort_choices": _sort_choices(has_query=bool(results.query)),
        "is_filtered": bool(search_parameters),
        "has_facet_filters": any(results.filters.values()),
        # Nothing to filter and nothing to undo: the results take the whole width.
        "show_filters": any(facet.options for facet in results.facets) or any(results.filters.values()),
        "municipality_filter": results.filters.get("municipality", []),
        "search_query_string": urlencode(search_parameters),
        # Each of the page's three forms carries the rest of the search along, so no choice is lost without JS.
        "hidden_for_search": [(key, value) for key, value in search_parameters if key != "q"],
        "hidden_for_filters": [(key, value) for key, value in search_parameters if key in {"q", "sort"}],
        "hidden_for_sort": [(key, value) for key, value in search_parameters if key != "sort"],
        "facet_names": facet_names,
        "clear_filters_url": _url_with(
            "resources:resource_list", [(key, value) for key, value in search_parameters if key in {"q", "sort"}]
        ),
        "feed_query_string": urlencode(feed_parameters),
        "suggestion_query_string": urlencode([("q", results.suggestion), *suggestion_parameters])
        if results.suggestion
        else "",
    }
    return render(request, "resources/resource_list.html", context)


def search_parameters_of(*, query: str, sort: str, filters: dict[str, list[str]]) -> list[tuple[str, str]]:
    parameters = [("q", query)] if query else []
    if sort:
        parameters.append(("sort", sort))
    for name, values in filters.items():
        parameters += [(name, value) for value in values]
    return parameters


def _url_with(name: str, parameters: list[tuple[str, str]]) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(parameters)}" if parameters else url


def _sort_choices(*, has_query: bool) -> list[tuple[str, str]]:
    from resources.selectors import Sort

    return [(value, label) for value, label in Sort.CHOICES if has_query or value != Sort.RELEVANCE]


resource_feed = require_safe(ResourceSearchFeed())
