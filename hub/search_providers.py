"""The hub's own site-search providers: municipalities (everyone) and people (signed-in members, opted-in only)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from hub.models import Municipality, Profile
from hub.registry import SearchGroup, SearchResult


class MunicipalitySearchProvider:
    key = "municipalities"
    label = _("Municipalities")

    def search(self, *, user: Any, query: str, limit: int) -> SearchGroup:
        matches = (
            Municipality.objects.select_related("province", "district")
            .filter(Q(name__unaccent__icontains=query) | Q(code__iexact=query) | Q(province__name__icontains=query))
            .order_by("name")
        )
        total = matches.count()
        results = [
            SearchResult(
                title=municipality.full_name,
                url=municipality.get_absolute_url(),
                summary=municipality.get_category_display(),
                meta=f"{municipality.code} · {municipality.province.name}",
            )
            for municipality in matches[:limit]
        ]
        return SearchGroup(key=self.key, label=str(self.label), results=results, total=total,
                           more_url=reverse("hub:municipality_list") + "?" + urlencode({"q": query}))


class PeopleSearchProvider:
    key = "people"
    label = _("People")

    def search(self, *, user: Any, query: str, limit: int) -> SearchGroup:
        profiles = (
            Profile.objects.visible_to(user)
            .select_related("user", "organisation")
            .filter(
                Q(user__full_name__unaccent__icontains=query)
                | Q(job_title__unaccent__icontains=query)
                | Q(organisation__name__unaccent__icontains=query)
                | Q(expertise__name__icontains=query)
            )
            .distinct()
            .order_by("user__full_name")
        )
        total = profiles.count()
        results = [
            SearchResult(
                title=profile.user.display_name,
                url=reverse("hub:person_detail", kwargs={"pk": profile.user_id}),
                summary=profile.job_title,
                meta=profile.organisation.name if profile.organisation else "",
            )
            for profile in profiles[:limit]
        ]
        return SearchGroup(key=self.key, label=str(self.label), results=results, total=total,
                           more_url=reverse("hub:person_list") + "?" + urlencode({"q": query}))
