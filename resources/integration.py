"""How the resource centre plugs into hub pages: site search, home-page sections, municipality-page sections,
"download my data" / account deletion, and demo data. Registered from ResourcesConfig.ready(); hub never imports
this app.

Every list here is built from `Resource.objects.visible_to(user)`, so a section, a count or a search result never
shows a resource the person may not see (internal items only for SALGA staff, members-only items only for members).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from hub import registry
from hub.registry import DataRightsPart, DemoSeeder, PageSection, SearchGroup, SearchResult

HOME_LIMIT = 5
MUNICIPALITY_LIMIT = 5


# --- Site search --------------------------------------------------------------------------------------------------


class ResourceSearchProvider:
    """Resources in site search (/search/): the resource centre's own full-text search, restricted to what the
    person may see, best matches first."""

    key = "resources"
    label = _("Resources")

    def search(self, *, user: Any, query: str, limit: int) -> SearchGroup:
        from resources.selectors_lists import site_search_resources

        results, total = site_search_resources(user=user, query=query, limit=limit)
        return SearchGroup(
            key=self.key,
            label=str(self.label),
            results=[
                SearchResult(
                    title=resource.title,
                    url=resource.get_absolute_url(),
                    summary=resource.summary,
                    meta=_resource_meta(resource),
                )
                for resource in results
            ],
            total=total,
            more_url=reverse("resources:resource_list") + "?" + urlencode({"q": query}),
        )


def _resource_meta(resource: Any) -> str:
    parts = [str(resource.get_resource_type_display())]
    if resource.organisation_id and resource.organisation:
        parts.append(resource.organisation.name)
    date = resource.publication_date or (
        timezone.localdate(resource.published_at) if resource.published_at else None
    )
    if date:
        parts.append(str(date.year))
    return " · ".join(parts)


# --- Home page ------------------------------------------------------------------------------------------------------


def render_featured_collections(request: Any, **context: Any) -> str:
    """Featured collections with at least one item the visitor may see; nothing when there are none."""
    from resources.selectors_lists import featured_collections

    collections = featured_collections(user=request.user, limit=3)
    if not collections:
        return ""
    return render_to_string(
        "resources/includes/home_collections.html", {"collections": collections}, request=request
    )


def render_home_resources(request: Any, **context: Any) -> str:
    """The newest resources and the most downloaded ones the visitor may see; nothing when the library is empty."""
    from resources.selectors_lists import latest_resources, most_downloaded_resources

    latest = latest_resources(user=request.user, limit=HOME_LIMIT)
    if not latest:
        return ""
    return render_to_string(
        "resources/includes/home_resources.html",
        {"latest": latest, "most_downloaded": most_downloaded_resources(user=request.user, limit=HOME_LIMIT)},
        request=request,
    )


# --- Municipality pages ---------------------------------------------------------------------------------------------


def render_knowledge_from_municipality(request: Any, *, municipality: Any, **context: Any) -> str:
    """ "Knowledge from this municipality": visible resources its own organisation contributed."""
    from resources.selectors_lists import resource_list_url, resources_from_municipality

    items, total = resources_from_municipality(
        user=request.user, municipality=municipality, limit=MUNICIPALITY_LIMIT
    )
    if not total:
        return ""
    return render_to_string(
        "resources/includes/municipality_resources.html",
        {
            "section_id": "resources-from",
            "title": _("Knowledge from this municipality"),
            "intro": _("Guides, case studies and other resources %(name)s has shared with local government.")
            % {"name": municipality.name},
            "items": items,
            "total": total,
            "more_url": resource_list_url(organisation=municipality),
        },
        request=request,
    )


def render_about_municipality(request: Any, *, municipality: Any, **context: Any) -> str:
    """ "About this municipality": visible resources whose coverage names it."""
    from resources.selectors_lists import resource_list_url, resources_about_municipality

    items, total = resources_about_municipality(
        user=request.user, municipality=municipality, limit=MUNICIPALITY_LIMIT
    )
    if not total:
        return ""
    return render_to_string(
        "resources/includes/municipality_resources.html",
        {
            "section_id": "resources-about",
            "title": _("About this municipality"),
            "intro": _("Research, case studies and reports about %(name)s.") % {"name": municipality.name},
            "items": items,
            "total": total,
            "more_url": resource_list_url(municipality=municipality),
        },
        request=request,
    )


# --- Download my data / delete my account ---------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "hour"):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def export_resource_data(user: Any) -> dict[str, Any]:
    """The person's part of "download my data": resources they uploaded (any status, with their files), resources
    they saved, saved searches and "was this useful?" answers."""
    from resources.models import Feedback, FileVersion, Resource, SavedResource, SavedSearch

    uploads = (
        Resource.objects.filter(created_by=user)
        .annotate(file_count=Count("files", distinct=True))
        .order_by("created_at", "pk")
    )
    versions = (
        FileVersion.objects.filter(uploaded_by=user)
        .select_related("file__resource")
        .order_by("created_at", "pk")
    )
    return {
        "uploads": [
            {
                "title": resource.title,
                "url": resource.get_absolute_url(),
                "status": str(resource.get_status_display()),
                "visibility": str(resource.get_visibility_display()),
                "type": str(resource.get_resource_type_display()),
                "created_at": _iso(resource.created_at),
                "submitted_at": _iso(resource.submitted_at),
                "published_at": _iso(resource.published_at),
                "files": resource.file_count,
            }
            for resource in uploads
        ],
        "uploaded_files": [
            {
                "resource": version.file.resource.title,
                "file": version.file.title,
                "version": version.number,
                "name": version.original_name,
                "size": version.size,
                "sha256": version.sha256,
                "change_note": version.change_note,
                "uploaded_at": _iso(version.created_at),
            }
            for version in versions
        ],
        "saved_resources": [
            {
                "title": saved.resource.title,
                "url": saved.resource.get_absolute_url(),
                "saved_at": _iso(saved.created_at),
            }
            for saved in SavedResource.objects.filter(user=user)
            .select_related("resource")
            .order_by("created_at")
        ],
        "saved_searches": [
            {
                "name": saved_search.name,
                "query_string": saved_search.query_string,
                "weekly_email": saved_search.email_digest,
                "last_sent_at": _iso(saved_search.last_sent_at),
                "created_at": _iso(saved_search.created_at),
            }
            for saved_search in SavedSearch.objects.filter(user=user).order_by("created_at")
        ],
        "feedback": [
            {
                "resource": feedback.resource.title,
                "useful": feedback.is_useful,
                "comment": feedback.comment,
                "given_at": _iso(feedback.created_at),
            }
            for feedback in Feedback.objects.filter(user=user)
            .select_related("resource")
            .order_by("created_at")
        ],
    }


def erase_resource_data(user: Any) -> None:
    """Account deletion: saved resources, saved searches and feedback are deleted. Uploaded resources and files
    stay in the library (the sector relies on them), still attributed to the user row, which hub turns into
    "Former member". The aggregate useful/not-useful counters on resources are kept: they hold no personal data."""
    from resources.models import Feedback, SavedResource, SavedSearch

    SavedResource.objects.filter(user=user).delete()
    SavedSearch.objects.filter(user=user).delete()
    Feedback.objects.filter(user=user).delete()


# --- Registration ---------------------------------------------------------------------------------------------------


def _seed_demo(stdout: Any) -> list[tuple[str, str]]:
    from resources.demo import seed_resources_demo

    return seed_resources_demo(stdout=stdout)


def register() -> None:
    """Called from ResourcesConfig.ready()."""
    registry.register_search_provider(ResourceSearchProvider())
    registry.register_home_section(
        PageSection(key="resources.collections", order=20, render=render_featured_collections)
    )
    registry.register_home_section(
        PageSection(key="resources.latest", order=30, render=render_home_resources)
    )
    registry.register_municipality_section(
        PageSection(key="resources.from_municipality", order=20, render=render_knowledge_from_municipality)
    )
    registry.register_municipality_section(
        PageSection(key="resources.about_municipality", order=30, render=render_about_municipality)
    )
    registry.register_data_rights_part(
        DataRightsPart(key="resource_centre", export=export_resource_data, erase=erase_resource_data)
    )
    registry.register_demo_seeder(DemoSeeder(key="resources", order=20, seed=_seed_demo))
