"""Helpers for tests of the directories, profiles and contact: people with a filled-in profile."""

from __future__ import annotations

from typing import Any

from hub.models import ExpertiseArea, Profile, User
from tests.factories import UserFactory, organisation_for


def person(
    *,
    listed: bool = False,
    expert: bool = False,
    code: str | None = "CPT",
    expertise: list[ExpertiseArea] | None = None,
    verified: bool = True,
    **profile_fields: Any,
) -> User:
    """A member (verified email unless verified=False) with a profile at municipality `code`, opted in as asked."""
    user_fields = {key: profile_fields.pop(key) for key in ("full_name", "email") if key in profile_fields}
    # No password (set_password(None)): hashing one with Argon2 for every person would make the tests slow.
    user = UserFactory(verified=verified, password=None, **user_fields)
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.organisation = organisation_for(code) if code else None
    profile.listed_in_directory = listed
    profile.available_as_expert = expert
    profile.job_title = profile_fields.pop("job_title", "Manager: Local Economic Development")
    profile.function = profile_fields.pop("function", "led_officer")
    for key, value in profile_fields.items():
        setattr(profile, key, value)
    profile.save()
    if expertise:
        profile.expertise.set(expertise)
    return user
