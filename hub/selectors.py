"""Reads that span models or serve one screen."""

from __future__ import annotations

from typing import Any

from hub import registry
from hub.models import Municipality, Profile, Province


def site_search(*, user: Any, query: str, limit: int = 5) -> list[registry.SearchGroup]:
    """Results grouped by kind from every registered provider; each provider applies visible_to(user) itself.
    Groups with no results are left out."""
    groups = [provider.search(user=user, query=query, limit=limit) for provider in registry.search_providers()]
    return [group for group in groups if group.total]


def home_statistics() -> dict[str, int]:
    return {
        "provinces": Province.objects.count(),
        "municipalities": Municipality.objects.count(),
        "members_listed": Profile.objects.in_directory().count(),
        "experts": Profile.objects.experts().count(),
    }
