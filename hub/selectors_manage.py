"""Reads behind the management pages (people and their roles, the verification queue, the audit log) and the
person's own verification page."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet

from hub.models import AuditEntry, Organisation, Profile, User
from hub.roles import GROUP_ROLES, Role
from hub.services.verification import email_domain, is_government_domain


def people_for_role_management(*, query: str = "", role: str = "") -> QuerySet[User]:
    """Accounts an administrator may give roles to (not deleted), matching a name or email fragment (accents
    ignored) and holding `role` when given (a GROUP_ROLES key or "municipal_official"). Groups and profile
    (with organisation) come in the same few queries whatever the page size."""
    people = (
        User.objects.filter(is_former_member=False)
        .select_related("profile__organisation")
        .prefetch_related("groups")
        .order_by("full_name", "email")
    )
    if query:
        people = people.filter(Q(full_name__unaccent__icontains=query) | Q(email__icontains=query))
    if role in GROUP_ROLES:
        people = people.filter(groups__name=GROUP_ROLES[role])
    elif role == Role.MUNICIPAL_OFFICIAL:
        people = people.filter(
            profile__affiliation_status=Profile.Affiliation.VERIFIED,
            profile__organisation__kind=Organisation.Kind.MUNICIPALITY,
        )
    return people


def role_labels_for(person: User) -> list[str]:
    """Labels of the assignable roles a person holds (from prefetched groups) plus "Municipal official"."""
    labels = dict(Role.choices)
    names = {group.name for group in person.groups.all()}
    result = [str(labels[role]) for role, group_name in GROUP_ROLES.items() if group_name in names]
    profile = getattr(person, "profile", None)
    if (
        profile is not None
        and profile.is_affiliation_verified
        and profile.organisation is not None
        and profile.organisation.kind == Organisation.Kind.MUNICIPALITY
    ):
        result.insert(0, str(labels[Role.MUNICIPAL_OFFICIAL]))
    return result


def pending_verifications() -> QuerySet[Profile]:
    """Requests waiting for a decision, oldest first, with the person's verified addresses prefetched."""
    return (
        Profile.objects.filter(
            affiliation_status=Profile.Affiliation.PENDING,
            user__is_active=True,
            user__is_former_member=False,
        )
        .select_related("user", "organisation__municipality__province")
        .prefetch_related(
            Prefetch(
                "user__emailaddress_set",
                queryset=EmailAddress.objects.filter(verified=True).order_by("-primary", "email"),
                to_attr="verified_addresses",
            )
        )
        .order_by("affiliation_requested_at", "pk")
    )


def email_domains_of(profile: Profile) -> list[dict[str, Any]]:
    """The domains of a person's verified email addresses, each flagged when it is a government domain."""
    addresses = getattr(profile.user, "verified_addresses", None)
    if addresses is None:
        addresses = list(EmailAddress.objects.filter(user=profile.user, verified=True))
    domains: list[dict[str, Any]] = []
    for address in addresses:
        domain = email_domain(address.email)
        if all(existing["domain"] != domain for existing in domains):
            domains.append({"domain": domain, "is_government": is_government_domain(domain)})
    return domains


def audit_entries() -> QuerySet[AuditEntry]:
    """The audit log, newest first (the filters of the audit page narrow it)."""
    return AuditEntry.objects.select_related("target_type").order_by("-created_at", "-id")


def audit_entries_about(person: User, *, limit: int = 10) -> list[AuditEntry]:
    """The latest audit entries whose object is this person."""
    user_type = ContentType.objects.get_for_model(User)
    return list(audit_entries().filter(target_type=user_type, target_id=str(person.pk))[:limit])


def change_rows(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """An entry's before/after values as (field, before, after) rows for a small table; lists joined by commas."""
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    before = changes.get("before") or {}
    after = changes.get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = list(before) + [key for key in after if key not in before]
    return [(key.replace("_", " "), _as_text(before.get(key)), _as_text(after.get(key))) for key in keys]


def _label(value: Any) -> str:
    """Stored codes (role keys, affiliation statuses) shown by their human label."""
    labels = {**dict(Role.choices), **dict(Profile.Affiliation.choices)}
    return str(labels.get(value, value)) if isinstance(value, str) else str(value)


def _as_text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, (list, tuple)):
        return ", ".join(_label(item) for item in value) or "–"
    return _label(value)


def dashboard_counts(*, include_people: bool) -> dict[str, int]:
    counts = {"pending_verifications": pending_verifications().count()}
    if include_people:
        counts["people"] = User.objects.filter(is_former_member=False, is_active=True).count()
    return counts
