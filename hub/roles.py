"""Global roles. Visitor, member and municipal official are derived from the account and profile; the others are
Django groups whose permissions are created by migration (0002). Network coordinator is per network (networks app)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    MEMBER = "member", _("Member")
    MUNICIPAL_OFFICIAL = "municipal_official", _("Municipal official")
    SALGA_STAFF = "salga_staff", _("SALGA staff")
    CONTENT_REVIEWER = "content_reviewer", _("Content reviewer")
    NEWSLETTER_PUBLISHER = "newsletter_publisher", _("Newsletter publisher")
    SITE_ADMINISTRATOR = "site_administrator", _("Site administrator")


# Roles an administrator assigns; each is a Django group of this name.
GROUP_ROLES: dict[str, str] = {
    Role.SALGA_STAFF: "SALGA staff",
    Role.CONTENT_REVIEWER: "Content reviewers",
    Role.NEWSLETTER_PUBLISHER: "Newsletter publishers",
    Role.SITE_ADMINISTRATOR: "Site administrators",
}

# Codenames ("app_label.codename") each group holds. Later apps add theirs in their own migrations.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    Role.SALGA_STAFF: ["hub.view_internal_content", "hub.verify_officials"],
    Role.CONTENT_REVIEWER: ["hub.view_internal_content"],
    Role.NEWSLETTER_PUBLISHER: [],
    Role.SITE_ADMINISTRATOR: [
        "hub.assign_roles",
        "hub.verify_officials",
        "hub.view_internal_content",
        "hub.view_auditentry",
        # Django admin for the admin-managed lists (migration 0004); set_roles gives administrators is_staff.
        "hub.add_expertisearea", "hub.change_expertisearea", "hub.delete_expertisearea", "hub.view_expertisearea",
        "hub.add_verifiedemaildomain", "hub.change_verifiedemaildomain", "hub.delete_verifiedemaildomain",
        "hub.view_verifiedemaildomain",
        "hub.add_organisation", "hub.change_organisation", "hub.view_organisation",
        "hub.change_user", "hub.view_user", "hub.change_profile", "hub.view_profile",
        "hub.view_municipality", "hub.view_province", "hub.view_contactmessage",
    ],
}

STAFF_ROLES = frozenset(GROUP_ROLES)

# Permissions later apps give these groups (created by the apps' own migrations, listed here for reference):
# resources: Content reviewers -> review_resource, publish_resource_directly; SALGA staff -> publish_resource_directly;
#            Site administrators -> both.
