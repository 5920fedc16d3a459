"""Writes about people: profiles, directory opt-in, contact between members, official verification."""

from __future__ import annotations

from typing import Any

from hub.models import Profile


def ensure_profile(*, user: Any) -> Profile:
    """Return the person's profile, creating an empty one (nothing opted in) the first time."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile
