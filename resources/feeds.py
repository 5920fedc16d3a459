"""An Atom feed of any resource search: /resources/feed/?q=...&topic=... lists the newest matches, as the person
asking may see them (a feed reader without a session sees public resources only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resources.filters import ResourceFilter
from resources.models import Resource
from resources.selectors import Sort, search_resources

FEED_SIZE = 30


class ResourceSearchFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        resource_filter = ResourceFilter(request.GET or None, queryset=Resource.objects.none(), user=request.user)
        results = search_resources(
            user=request.user,
            query=resource_filter.cleaned_query,
            filters=resource_filter.facet_values(),
            sort=Sort.NEWEST,
            page_size=FEED_SIZE,
            with_facets=False,
            with_suggestion=False,
        )
        from resources.views.browse import search_parameters_of

        parameters = search_parameters_of(query=results.query, sort="", filters=results.filters)
        return {"results": results, "query_string": urlencode(parameters)}

    def title(self, obj: dict[str, Any]) -> str:
        query = obj["results"].query
        if query:
            return _("LG Knowledge Hub resources matching “%(query)s”") % {"query": query}
        return _("LG Knowledge Hub: new resources")

    def subtitle(self, obj: dict[str, Any]) -> str:
        return _("The newest resources of SALGA's LG Knowledge Hub for this search.")

    def link(self, obj: dict[str, Any]) -> str:
        url = reverse("resources:resource_list")
        return f"{url}?{obj['query_string']}" if obj["query_string"] else url

    def feed_url(self, obj: dict[str, Any]) -> str:
        url = reverse("resources:resource_feed")
        return f"{url}?{obj['query_string']}" if obj["query_string"] else url

    def items(self, obj: dict[str, Any]) -> list[Resource]:
        return obj["results"].resources

    def item_title(self, item: Resource) -> str:
        return item.title

    def item_description(self, item: Resource) -> str:
        return item.summary

    def item_link(self, item: Resource) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Resource) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Resource) -> datetime | None:
        return item.updated_at

    def item_author_name(self, item: Resource) -> str | None:
        return item.organisation.name if item.organisation_id and item.organisation else None

    def item_categories(self, item: Resource) -> list[str]:
        return [item.get_resource_type_display()]
