"""The baseline for the search benchmark: what a first version would do. `icontains` on title, summary, body and
the files' extracted text (quotes removed, no OR or exclusion, no stemming, no ranking), the same facet filters and
visibility, a total, one facet's counts (type), newest first, 20 per page."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from resources.filters import ResourceFilter
from resources.models import Resource
from resources.selectors import apply_filters
from resources.views.browse import page_number

PAGE_SIZE = 20


def naive_search(request: HttpRequest) -> HttpResponse:
    resource_filter = ResourceFilter(request.GET or None, queryset=Resource.objects.none(), user=request.user)
    query = resource_filter.cleaned_query.replace('"', "")
    resources = apply_filters(Resource.objects.visible_to(request.user), resource_filter.facet_values())
    if query:
        resources = resources.filter(
            Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(body__icontains=query)
            | Q(files__latest_version__extracted_text__icontains=query)
        ).distinct()
    total = resources.count()
    offset = (page_number(request) - 1) * PAGE_SIZE
    page = list(resources.select_related("organisation").order_by("-published_at", "-id")[offset : offset + PAGE_SIZE])
    type_counts = list(resources.order_by().values("resource_type").annotate(count=Count("id", distinct=True)))
    return render(
        request,
        "bench/naive.html",
        {"query": query, "total": total, "resources": page, "type_counts": type_counts},
    )
