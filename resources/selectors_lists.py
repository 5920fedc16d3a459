"""Reads behind collections, "My library" and the resource sections on hub pages (home, municipality pages).

Every list of resources here goes through `Resource.objects.visible_to(user)`: a collection, a saved item or a
home-page section never shows (or counts) a resource the person may not see. Search itself is
resources/selectors.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet, Value

from hub.models import Municipality
from resources.models import Collection, CollectionItem, Resource, SavedResource, SavedSearch
from resources.services.collections import can_manage_collections


def _listed(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    # What a one-line result needs (type, date, organisation), in the same query.
    return queryset.select_related("organisation")


# --- Collections ------------------------------------------------------------------------------------------------


def collections_for(*, user: Any) -> QuerySet[Collection]:
    """Published collections (all of them for people who curate), each annotated with `item_count`: the number
    of its items the person may see. One query."""
    visible = Resource.objects.visible_to(user).values("pk")
    collections = Collection.objects.all()
    if not can_manage_collections(user):
        collections = collections.filter(is_published=True)
    return collections.annotate(
        item_count=Count("items", filter=Q(items__resource__in=visible), distinct=True)
    ).order_by("-is_featured", "title")


def get_collection(*, user: Any, slug: str) -> Collection:
    """The collection with this slug if the person may see it; raises Collection.DoesNotExist otherwise (an
    unpublished collection is known only to curators)."""
    return collections_for(user=user).get(slug=slug)


def collection_items(*, user: Any, collection: Collection) -> list[CollectionItem]:
    """The collection's items in curated order, only those whose resource the person may see."""
    visible = Resource.objects.visible_to(user)
    return list(
        CollectionItem.objects.filter(collection=collection, resource__in=visible.values("pk"))
        .select_related("resource", "resource__organisation")
        .order_by("position", "id")
    )


def featured_collections(*, user: Any, limit: int = 3) -> list[Collection]:
    """Featured, published collections that hold at least one item the person may see, with `item_count`."""
    visible = Resource.objects.visible_to(user).values("pk")
    return list(
        Collection.objects.filter(is_featured=True, is_published=True)
        .annotate(item_count=Count("items", filter=Q(items__resource__in=visible), distinct=True))
        .filter(item_count__gt=0)
        .order_by("title")[:limit]
    )


def collections_containing(*, resource: Resource, limit: int = 5) -> list[Collection]:
    """Published collections that include `resource` (for "In these collections" on its detail page; the caller
    has already checked that the person may see the resource)."""
    return list(
        Collection.objects.filter(is_published=True, items__resource=resource).distinct().order_by("title")[:limit]
    )


# --- Home and municipality sections -------------------------------------------------------------------------------


def latest_resources(*, user: Any, limit: int = 5) -> list[Resource]:
    """The most recently published resources the person may see."""
    return list(_listed(Resource.objects.visible_to(user)).order_by("-published_at", "-pk")[:limit])


def most_downloaded_resources(*, user: Any, limit: int = 5) -> list[Resource]:
    """The resources downloaded most (at least once) among those the person may see."""
    return list(
        _listed(Resource.objects.visible_to(user).filter(download_count__gt=0)).order_by(
            "-download_count", "-published_at", "-pk"
        )[:limit]
    )


def resources_from_municipality(
    *, user: Any, municipality: Municipality, limit: int = 5
) -> tuple[list[Resource], int]:
    """Visible resources contributed by the municipality itself (its organisation), newest first, and how many
    there are in all."""
    queryset = Resource.objects.visible_to(user).filter(organisation__municipality=municipality)
    total = queryset.count()
    items = list(_listed(queryset).order_by("-published_at", "-pk")[:limit]) if total else []
    return items, total


def resources_about_municipality(
    *, user: Any, municipality: Municipality, limit: int = 5
) -> tuple[list[Resource], int]:
    """Visible resources whose coverage names the municipality, newest first, and how many there are in all."""
    queryset = Resource.objects.visible_to(user).filter(municipalities=municipality)
    total = queryset.count()
    items = list(_listed(queryset).order_by("-published_at", "-pk")[:limit]) if total else []
    return items, total


# --- My library ---------------------------------------------------------------------------------------------------


def saved_resources_for(*, user: Any) -> QuerySet[SavedResource]:
    """The person's saved resources, newest save first, only those they may (still) see."""
    visible = Resource.objects.visible_to(user).values("pk")
    return (
        SavedResource.objects.filter(user=user, resource__in=visible)
        .select_related("resource", "resource__organisation")
        .order_by("-created_at", "-pk")
    )


def hidden_saved_count(*, user: Any) -> int:
    """How many of the person's saved items they can no longer see (withdrawn, archived or restricted)."""
    visible = Resource.objects.visible_to(user).values("pk")
    return SavedResource.objects.filter(user=user).exclude(resource__in=visible).count()


def saved_searches_for(*, user: Any) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user).order_by("name", "pk")


def is_saved(*, user: Any, resource: Resource) -> bool:
    """Whether the person has saved this resource (False for visitors)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return SavedResource.objects.filter(user=user, resource=resource).exists()


def annotate_saved(queryset: QuerySet[Resource], *, user: Any) -> QuerySet[Resource]:
    """Adds `is_saved` to each resource (False for visitors), for lists with a save button."""
    if not getattr(user, "is_authenticated", False):
        return queryset.annotate(is_saved=Value(False, output_field=BooleanField()))
    return queryset.annotate(
        is_saved=Exists(SavedResource.objects.filter(user=user, resource=OuterRef("pk")))
    )


__all__ = [
    "annotate_saved",
    "collection_items",
    "collections_containing",
    "collections_for",
    "featured_collections",
    "get_collection",
    "hidden_saved_count",
    "is_saved",
    "latest_resources",
    "most_downloaded_resources",
    "resources_about_municipality",
    "resources_from_municipality",
    "saved_resources_for",
    "saved_searches_for",
]


# --- Site search and links to the browse page ----------------------------------------------------------------------


def site_search_resources(*, user: Any, query: str, limit: int = 5) -> tuple[list[Resource], int]:
    """Resources matching `query` among those the person may see, best first, and how many match in all: the
    resource centre's own search (resources.selectors.search_resources: web-search syntax, accents ignored),
    without facets or suggestions. Used by the hub's site search."""
    from resources.selectors import search_resources

    results = search_resources(
        user=user, query=query, page_size=limit, with_facets=False, with_suggestion=False
    )
    return results.resources, results.total


def resource_list_url(
    *, organisation: Municipality | None = None, municipality: Municipality | None = None
) -> str:
    """The /resources/ page filtered to what a municipality contributed (`organisation`) or what covers it."""
    from django.urls import reverse
    from django.utils.http import urlencode

    parameters: dict[str, str] = {}
    if organisation is not None:
        org = getattr(organisation, "organisation", None)
        if org is not None:
            parameters["organisation"] = str(org.pk)
    if municipality is not None:
        parameters["municipality"] = municipality.code
    url = reverse("resources:resource_list")
    return f"{url}?{urlencode(parameters)}" if parameters else url
