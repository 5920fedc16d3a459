"""Assigning global roles (the Django groups of hub.roles.GROUP_ROLES) to people."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from hub import permissions
from hub.models import User
from hub.roles import GROUP_ROLES, Role
from hub.services.audit import record_audit

ROLES_CHANGED = "roles.changed"


class RoleChangeError(ValueError):
    """A role change that would break a rule (the last administrator, an administrator demoting themselves)."""


def group_roles_of(person: Any) -> list[str]:
    """The assignable roles (keys of GROUP_ROLES) the person's groups give them, in GROUP_ROLES order."""
    names = {group.name for group in person.groups.all()}
    return [role for role, group_name in GROUP_ROLES.items() if group_name in names]


def other_site_administrators_exist(person: Any) -> bool:
    administrators = User.objects.filter(is_active=True, is_former_member=False).filter(
        Q(groups__name=GROUP_ROLES[Role.SITE_ADMINISTRATOR]) | Q(is_superuser=True)
    )
    return administrators.exclude(pk=person.pk).exists()


def set_roles(*, person: Any, roles: set[str], acting_user: Any) -> list[str]:
    """Give `person` exactly the assignable roles in `roles` (keys of GROUP_ROLES), adding and removing groups.

    Atomic. Writes one audit entry ("roles.changed", before/after role lists) when anything changed, nothing when
    it did not. Keeps `is_staff` (Django admin access) in step with the site administrator role. Refuses, with
    RoleChangeError, to remove the last site administrator, to let an administrator remove their own
    administrator role, or to give roles to a deleted account. Returns the person's roles afterwards."""
    if not permissions.can_assign_roles(acting_user):
        raise PermissionDenied
    unknown = set(roles) - set(GROUP_ROLES)
    if unknown:
        raise RoleChangeError(_("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))})

    with transaction.atomic():
        # Lock the administrator group so two concurrent demotions cannot both see "another administrator exists".
        list(Group.objects.select_for_update().filter(name=GROUP_ROLES[Role.SITE_ADMINISTRATOR]))
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.is_former_member or not person.is_active:
            raise RoleChangeError(_("This account has been deleted or deactivated; it cannot hold roles."))
        before = group_roles_of(person)
        after = [role for role in GROUP_ROLES if role in roles]
        if before == after:
            return after

        removing_administrator = Role.SITE_ADMINISTRATOR in before and Role.SITE_ADMINISTRATOR not in after
        if removing_administrator:
            if person.pk == acting_user.pk:
                raise RoleChangeError(
                    _(
                        "You cannot remove your own site administrator role. Ask another administrator to do it."
                    )
                )
            if not other_site_administrators_exist(person):
                raise RoleChangeError(
                    _("%(name)s is the last site administrator. Make someone else an administrator first.")
                    % {"name": person.display_name}
                )

        groups = {group.name: group for group in Group.objects.filter(name__in=GROUP_ROLES.values())}
        added = [role for role in after if role not in before]
        removed = [role for role in before if role not in after]
        person.groups.add(*(groups[GROUP_ROLES[role]] for role in added))
        person.groups.remove(*(groups[GROUP_ROLES[role]] for role in removed))

        is_staff = Role.SITE_ADMINISTRATOR in after or person.is_superuser
        if person.is_staff != is_staff:
            person.is_staff = is_staff
            person.save(update_fields=["is_staff"])
        person.__dict__.pop("_hub_group_names", None)

        labels = dict(Role.choices)
        parts = []
        if added:
            parts.append(_("added %(roles)s") % {"roles": ", ".join(str(labels[role]) for role in added)})
        if removed:
            parts.append(_("removed %(roles)s") % {"roles": ", ".join(str(labels[role]) for role in removed)})
        record_audit(
            actor=acting_user,
            action=ROLES_CHANGED,
            target=person,
            summary=_("Roles changed: %(changes)s") % {"changes": "; ".join(parts)},
            before={"roles": before},
            after={"roles": after},
        )
    return after
