"""The hub's own site-search providers: municipalities (everyone), and people in the member directory and experts
(signed-in members only, opted-in people only)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from hub.filters import text_condition
from hub.models import Profile
from hub.registry import SearchGroup, SearchResult
from hub.selectors import directory_profiles, matching_municipalities


class MunicipalitySearchProvider:
    """Municipalities by name (accents ignored, near spellings found by trigram similarity: "Khai Ma" finds
    Khâi-Ma), code or province name, as on /municipalities/?q= (its "see all" page); exact codes first, then the
    closest names."""

    key = "municipalities"
    label = _("Municipalities")

    def search(self, *, user: Any, query: str, limit: int) -> SearchGroup:
        matches = (
            matching_municipalities(query)
            .select_related("province")
            .order_by("exact_code", "-similarity", "name")
        )
        total = matches.count()
        results = [
            SearchResult(
                title=municipality.full_name,
                url=municipality.get_absolute_url(),
                summary=municipality.get_category_display(),
                meta=f"{municipality.code} · {municipality.province.name}",
            )
            for municipality in (matches[:limit] if total else [])
        ]
        return SearchGroup(
            key=self.key,
            label=str(self.label),
            results=results,
            total=total,
            more_url=reverse("hub:municipality_list") + "?" + urlencode({"q": query}),
        )


class _DirectorySearchProvider:
    key = ""
    label = _("People")
    experts = False
    list_url_name = "hub:person_list"

    def search(self, *, user: Any, query: str, limit: int) -> SearchGroup:
        profiles = (
            directory_profiles(user=user, experts=self.experts)
            .filter(text_condition(query))
            .order_by("user__full_name", "pk")
        )
        total = profiles.count()
        results = [_person_result(profile) for profile in (profiles[:limit] if total else [])]
        return SearchGroup(
            key=self.key,
            label=str(self.label),
            results=results,
            total=total,
            more_url=reverse(self.list_url_name) + "?" + urlencode({"q": query}),
        )


def _person_result(profile: Profile) -> SearchResult:
    meta = profile.organisation.name if profile.organisation else ""
    return SearchResult(
        title=profile.user.display_name,
        url=reverse("hub:person_detail", kwargs={"pk": profile.user_id}),
        summary=profile.job_title,
        meta=meta,
    )


class PeopleSearchProvider(_DirectorySearchProvider):
    """People listed in the member directory (members only; visible_to gives visitors nothing)."""

    key = "people"
    label = _("People")


class ExpertSearchProvider(_DirectorySearchProvider):
    """People available to advise peers (members only)."""

    key = "experts"
    label = _("Experts")
    experts = True
    list_url_name = "hub:expert_list"
