"""POPIA data-subject rights: "download my data" (everything the hub holds about a person, as one JSON-ready dict)
and "delete my account" (personal data removed or anonymised; the user row stays so published content remains
attributed to "Former member"). Apps add their parts through hub.registry.register_data_rights_part()."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import permissions, registry
from hub.models import AuditEntry, ContactMessage, Profile, User
from hub.roles import Role
from hub.services.audit import record_audit

ACCOUNT_DELETED = "account.deleted"
FORMAT_VERSION = 1


class AccountDeletionError(ValueError):
    """The account cannot be deleted yet (for example it belongs to the last site administrator)."""


def deleted_email_for(user: Any) -> str:
    """A unique address that can never receive mail (RFC 2606 reserves .invalid and example)."""
    return f"deleted-{user.pk}@invalid.example"


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _audit_entries_about(user: Any):
    user_type = ContentType.objects.get_for_model(User)
    return (
        AuditEntry.objects.filter(Q(actor=user) | Q(target_type=user_type, target_id=str(user.pk)))
        .select_related("actor", "target_type")
        .order_by("created_at", "id")
    )


def export_personal_data(*, user: Any) -> dict[str, Any]:
    """Everything the hub holds about `user`, JSON-serialisable: account, email addresses, profile, roles, contact
    messages sent and received (metadata only: the hub never stores message text), audit entries in which the
    person acted or was acted upon, and one key per part apps registered in hub.registry. Reads only."""
    profile = (
        Profile.objects.select_related("organisation", "affiliation_verified_by")
        .prefetch_related("expertise")
        .filter(user=user)
        .first()
    )
    role_labels = dict(Role.choices)
    data: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "generated_at": _iso(timezone.now()),
        "about": _(
            "Everything the LG Knowledge Hub holds about you. Times are in South African Standard Time (UTC+02:00)."
        ),
        "account": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            "two_factor_authentication": sorted(
                str(label) for label in Authenticator.objects.filter(user=user).values_list("type", flat=True)
            ),
        },
        "profile": _export_profile(profile),
        "roles": [str(role_labels.get(role, role)) for role in permissions.roles_of(user)],
        "contact_messages": {
            "note": _("Only the time and the other person are kept; the text of messages is never stored."),
            "sent": [
                {"sent_at": _iso(message.created_at), "to": message.recipient.display_name}
                for message in ContactMessage.objects.filter(sender=user)
                .select_related("recipient")
                .order_by("created_at")
            ],
            "received": [
                {"received_at": _iso(message.created_at), "from": message.sender.display_name}
                for message in ContactMessage.objects.filter(recipient=user)
                .select_related("sender")
                .order_by("created_at")
            ],
        },
        "audit_entries": [
            {
                "when": _iso(entry.created_at),
                "action": entry.action,
                "by": _("you")
                if entry.actor_id == user.pk
                else (entry.actor.display_name if entry.actor else _("system")),
                "object": entry.target_label,
                "object_type": entry.target_type.model if entry.target_type else "",
                "summary": entry.summary,
                "changes": entry.changes,
            }
            for entry in _audit_entries_about(user)
        ],
    }
    for part in registry.data_rights_parts():
        data[part.key] = part.export(user)
    return data


def _export_profile(profile: Profile | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {
        "organisation": profile.organisation.name if profile.organisation else None,
        "job_title": profile.job_title,
        "function": str(profile.get_function_display()) if profile.function else "",
        "bio": profile.bio,
        "expertise": [area.name for area in profile.expertise.all()],
        "languages": profile.language_labels(),
        "listed_in_directory": profile.listed_in_directory,
        "available_as_expert": profile.available_as_expert,
        "affiliation_status": str(profile.get_affiliation_status_display()),
        "affiliation_note": profile.affiliation_note,
        "affiliation_requested_at": _iso(profile.affiliation_requested_at),
        "affiliation_verified_at": _iso(profile.affiliation_verified_at),
        "affiliation_verified_by": (
            profile.affiliation_verified_by.display_name if profile.affiliation_verified_by else None
        ),
        "updated_at": _iso(profile.updated_at),
    }


def _is_last_site_administrator(user: Any) -> bool:
    if not permissions.is_site_administrator(user):
        return False
    from hub.services.roles import other_site_administrators_exist

    return not other_site_administrators_exist(user)


def delete_account(*, user: Any, acting_user: Any) -> None:
    """Remove or anonymise everything personal about `user`, keeping the row so content stays attributed to
    "Former member": email becomes deleted-<id>@invalid.example, name cleared, password unusable, account inactive
    and marked former member, staff flags and groups cleared, profile emptied, allauth email addresses, two-factor
    authenticators and sessions deleted, contact-message metadata deleted, names in earlier audit entries replaced,
    and every registered data-rights part's erase(user) called. Atomic; writes "account.deleted" naming only the id.
    The same email address may sign up again afterwards. The caller logs the person out of the current request.
    Raises AccountDeletionError for the last site administrator."""
    if acting_user.pk != user.pk and not permissions.can_assign_roles(acting_user):
        raise PermissionDenied
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_former_member:
            return
        if _is_last_site_administrator(user):
            raise AccountDeletionError(
                _(
                    "You are the last site administrator. Make someone else an administrator before you delete "
                    "your account."
                )
            )
        for part in registry.data_rights_parts():
            if part.erase is not None:
                part.erase(user)

        for session in UserSession.objects.filter(user=user):
            session.end()
        Authenticator.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        ContactMessage.objects.filter(Q(sender=user) | Q(recipient=user)).delete()

        profile = Profile.objects.filter(user=user).first()
        if profile is not None:
            profile.expertise.clear()
            for field_name, value in {
                "organisation": None,
                "job_title": "",
                "function": "",
                "bio": "",
                "languages": [],
                "listed_in_directory": False,
                "available_as_expert": False,
                "affiliation_status": Profile.Affiliation.UNVERIFIED,
                "affiliation_note": "",
                "affiliation_requested_at": None,
                "affiliation_verified_at": None,
                "affiliation_verified_by": None,
            }.items():
                setattr(profile, field_name, value)
            profile.save()

        user.groups.clear()
        user.user_permissions.clear()
        user.email = deleted_email_for(user)
        user.full_name = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.is_former_member = True
        user.set_unusable_password()
        user.save()

        record_audit(
            actor=acting_user,
            action=ACCOUNT_DELETED,
            target=user,
            summary=_("Account %(id)s deleted; personal data removed") % {"id": user.pk},
        )
        # Audit entries (earlier ones and this one) keep what happened and the user id, but no longer the person's
        # name or address.
        placeholder = _("Former member (account %(id)s)") % {"id": user.pk}
        AuditEntry.objects.filter(actor=user).update(actor_label=placeholder)
        user_type = ContentType.objects.get_for_model(User)
        AuditEntry.objects.filter(target_type=user_type, target_id=str(user.pk)).update(
            target_label=placeholder
        )
