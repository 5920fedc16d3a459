"""One predicate per question about what a person may do. Views, templates (via the `hub` context processor) and
`visible_to(user)` querysets all ask these, so a rule lives in one place."""

from __future__ import annotations

from typing import Any

from hub.roles import GROUP_ROLES, Role


def _group_names(user: Any) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_hub_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._hub_group_names = cached
    return cached


def _has_role(user: Any, role: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return GROUP_ROLES[role] in _group_names(user)


def has_verified_email(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_hub_verified_email", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._hub_verified_email = cached
    return cached


def is_member(user: Any) -> bool:
    """A signed-in, active person whose email address is verified."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and has_verified_email(user))


def is_municipal_official(user: Any) -> bool:
    """A member whose affiliation with a municipality has been verified."""
    if not is_member(user):
        return False
    profile = getattr(user, "profile", None)
    return bool(
        profile is not None
        and profile.is_affiliation_verified
        and profile.organisation is not None
        and profile.organisation.kind == "municipality"
    )


def is_salga_staff(user: Any) -> bool:
    return _has_role(user, Role.SALGA_STAFF)


def is_content_reviewer(user: Any) -> bool:
    return _has_role(user, Role.CONTENT_REVIEWER)


def is_newsletter_publisher(user: Any) -> bool:
    return _has_role(user, Role.NEWSLETTER_PUBLISHER)


def is_site_administrator(user: Any) -> bool:
    return _has_role(user, Role.SITE_ADMINISTRATOR)


def has_staff_role(user: Any) -> bool:
    """Any global staff role: these people are prompted to turn on two-factor authentication."""
    return any(_has_role(user, role) for role in GROUP_ROLES)


def can_see_internal_content(user: Any) -> bool:
    return is_salga_staff(user) or is_content_reviewer(user) or is_site_administrator(user)


def can_use_directory(user: Any) -> bool:
    return is_member(user)


def can_contact_person(user: Any, recipient: Any) -> bool:
    """Members may write to opted-in people other than themselves."""
    if not is_member(user) or recipient is None or recipient.pk == user.pk:
        return False
    profile = getattr(recipient, "profile", None)
    return bool(
        recipient.is_active
        and not recipient.is_former_member
        and profile is not None
        and (profile.listed_in_directory or profile.available_as_expert)
    )


def can_verify_officials(user: Any) -> bool:
    return is_salga_staff(user) or is_site_administrator(user)


def can_assign_roles(user: Any) -> bool:
    return is_site_administrator(user)


def can_view_audit_log(user: Any) -> bool:
    return is_site_administrator(user)


def roles_of(user: Any) -> list[str]:
    """Every role the person holds, for display ("Member", "SALGA staff"...)."""
    if not getattr(user, "is_authenticated", False):
        return [Role.VISITOR]
    roles: list[str] = []
    if is_member(user):
        roles.append(Role.MEMBER)
    if is_municipal_official(user):
        roles.append(Role.MUNICIPAL_OFFICIAL)
    roles.extend(role for role in GROUP_ROLES if _has_role(user, role))
    return roles
