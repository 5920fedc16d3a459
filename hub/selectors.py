"""Reads that span models or serve one screen: the municipality pages, the directories, the home page and site
search."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.postgres.lookups import Unaccent
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from hub import registry
from hub.models import ContactMessage, ExpertiseArea, Municipality, Profile, Province

SEARCH_QUERY_MAX_LENGTH = 200

# A person who received a message may answer it through the portal for this long, even when the sender is not
# listed in a directory (the sender gave up no more than the right to be answered).
REPLY_WINDOW = timedelta(days=90)


def clean_search_query(raw: str | None, *, max_length: int = SEARCH_QUERY_MAX_LENGTH) -> str:
    """A typed search string made safe to use: control characters (NUL breaks PostgreSQL) dropped, whitespace
    collapsed, cut to `max_length` characters. LIKE wildcards (% and _) need no care here: Django escapes them."""
    if not raw:
        return ""
    text = "".join(
        " " if unicodedata.category(char).startswith("C") else char for char in raw[: max_length * 4]
    )
    return " ".join(text.split())[:max_length].strip()


# --- Municipalities -----------------------------------------------------------------------------------------


@dataclass
class DistrictGroup:
    district: Municipality
    locals: list[Municipality] = field(default_factory=list)


@dataclass
class ProvinceGroup:
    province: Province
    metros: list[Municipality] = field(default_factory=list)
    districts: list[DistrictGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.metros) + sum(1 + len(group.locals) for group in self.districts)


_CODE = re.compile(r"^[A-Za-z]{2,3}\d{0,3}$")


def matching_municipalities(query: str) -> QuerySet[Municipality]:
    """Municipalities matching a typed `query`, for the list page and site search alike:
    - the name contains it, accents and case ignored ("khai-ma" finds Khâi-Ma),
    - the name is close to it by trigram similarity (pg_trgm; "Khai Ma" finds Khâi-Ma),
    - the code is it or starts with it, for code-shaped queries ("cpt", "EC1"),
    - the query names a province ("limpopo": all of Limpopo).
    Each row is annotated with `exact_code` (0 when the code is the query) and `similarity` so callers can order
    the best matches first."""
    condition = (
        Q(name__unaccent__icontains=query)
        | Q(name__unaccent__trigram_similar=query)
        | Q(province__name__unaccent__iexact=query)
    )
    if _CODE.match(query):
        condition |= Q(code__istartswith=query) | Q(province__code__iexact=query)
    return Municipality.objects.filter(condition).annotate(
        exact_code=Case(
            When(code__iexact=query, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        similarity=TrigramSimilarity(Unaccent("name"), Unaccent(Value(query))),
    )


def municipalities_by_province(*, query: str = "", province_code: str = "") -> list[ProvinceGroup]:
    """The municipalities of South Africa for /municipalities/, grouped by province; in each province the metros,
    then the districts, each with its local municipalities. One query.

    With a `query`, a municipality is kept when it matches, when its district matches (searching a district shows
    its locals) or, for a district, when one of its locals matches (so a matching local keeps its context). With
    a `province_code`, only that province."""
    municipalities = Municipality.objects.select_related("province").order_by("province__name", "name")
    if province_code:
        municipalities = municipalities.filter(province__code__iexact=province_code)
    rows = list(municipalities)
    if query:
        matched = set(matching_municipalities(query).values_list("pk", flat=True))
        with_matching_local = {row.district_id for row in rows if row.pk in matched and row.district_id}
        rows = [
            row
            for row in rows
            if row.pk in matched or row.district_id in matched or row.pk in with_matching_local
        ]

    groups: dict[int, ProvinceGroup] = {}
    districts: dict[int, DistrictGroup] = {}
    for row in rows:
        group = groups.setdefault(row.province_id, ProvinceGroup(province=row.province))
        if row.category == Municipality.Category.METRO:
            group.metros.append(row)
        elif row.category == Municipality.Category.DISTRICT:
            districts[row.pk] = DistrictGroup(district=row)
            group.districts.append(districts[row.pk])
    for row in rows:
        if row.category == Municipality.Category.LOCAL and row.district_id in districts:
            districts[row.district_id].locals.append(row)
    return list(groups.values())


def get_municipality(code: str) -> Municipality:
    """The municipality with this code, ignoring case, with its province and district. Raises
    Municipality.DoesNotExist."""
    return Municipality.objects.select_related("province", "district").get(code__iexact=code.strip())


def local_municipalities_of(district: Municipality) -> list[Municipality]:
    return list(district.local_municipalities.order_by("name"))


def members_at(*, user: Any, municipality: Municipality, limit: int = 50) -> tuple[list[Profile], int]:
    """People working at `municipality` who opted into a directory, as `user` may see them (nobody for visitors
    and unverified accounts), with their total."""
    profiles = (
        Profile.objects.visible_to(user)
        .filter(organisation__municipality=municipality)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    total = profiles.count()
    return (list(profiles[:limit]) if total else []), total


# --- People -------------------------------------------------------------------------------------------------


def directory_profiles(*, user: Any, experts: bool = False) -> QuerySet[Profile]:
    """The base of /people/ (listed in the member directory) or /experts/ (available to advise peers), as `user`
    may see it, with what a result card shows loaded up front (no query per row)."""
    profiles = Profile.objects.visible_to(user)
    profiles = (
        profiles.filter(available_as_expert=True) if experts else profiles.filter(listed_in_directory=True)
    )
    return profiles.select_related(
        "user", "organisation", "organisation__municipality", "organisation__province"
    ).prefetch_related(Prefetch("expertise", queryset=ExpertiseArea.objects.order_by("name")))


def visible_profile(*, user: Any, pk: int) -> Profile:
    """The profile of user `pk` if `user` may see it (a member looking at someone opted into either directory).
    Raises Profile.DoesNotExist otherwise."""
    return (
        Profile.objects.visible_to(user)
        .select_related("user", "organisation", "organisation__municipality", "organisation__province")
        .prefetch_related(Prefetch("expertise", queryset=ExpertiseArea.objects.order_by("name")))
        .get(user_id=pk)
    )


def has_written_to(*, sender: Any, recipient: Any) -> bool:
    """Whether `sender` sent `recipient` a message through the portal recently (so `recipient` may answer)."""
    return ContactMessage.objects.filter(
        sender=sender, recipient=recipient, created_at__gte=timezone.now() - REPLY_WINDOW
    ).exists()


def contact_counts(*, sender: Any) -> tuple[int, int]:
    """How many messages `sender` sent in the last hour and the last 24 hours."""
    now = timezone.now()
    counts = ContactMessage.objects.filter(sender=sender, created_at__gte=now - timedelta(days=1)).aggregate(
        hour=Count("pk", filter=Q(created_at__gte=now - timedelta(hours=1))), day=Count("pk")
    )
    return counts["hour"], counts["day"]


# --- Home and search ----------------------------------------------------------------------------------------


def site_search(*, user: Any, query: str, limit: int = 5) -> list[registry.SearchGroup]:
    """Results grouped by kind from every registered provider; each provider applies visible_to(user) itself.
    Groups with no results are left out."""
    groups = [
        provider.search(user=user, query=query, limit=limit) for provider in registry.search_providers()
    ]
    return [group for group in groups if group.total]


def home_statistics() -> dict[str, int]:
    """Real figures for the home page: provinces, municipalities, people listed in the directory, experts."""
    profiles = Profile.objects.active().aggregate(
        members_listed=Count("pk", filter=Q(listed_in_directory=True)),
        experts=Count("pk", filter=Q(available_as_expert=True)),
    )
    return {
        "provinces": Province.objects.count(),
        "municipalities": Municipality.objects.count(),
        "members_listed": profiles["members_listed"],
        "experts": profiles["experts"],
    }
