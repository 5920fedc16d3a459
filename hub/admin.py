"""Django admin for the hub's models. Roles and official verification are changed in the portal (/manage/), where
each change is written to the audit log, so here they are shown read-only; the audit log itself cannot be edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hub.models import (
    AuditEntry,
    ContactMessage,
    ExpertiseArea,
    Municipality,
    Organisation,
    Profile,
    Province,
    User,
    VerifiedEmailDomain,
)

admin.site.site_header = _("LG Knowledge Hub administration")
admin.site.site_title = _("LG Knowledge Hub administration")
admin.site.index_title = _("Reference lists and records")

AFFILIATION_FIELDS = (
    "affiliation_status",
    "affiliation_note",
    "affiliation_requested_at",
    "affiliation_verified_at",
    "affiliation_verified_by",
)


class HubUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class HubUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class ProfileInline(admin.StackedInline):
    model = Profile
    fk_name = "user"
    can_delete = False
    extra = 0
    max_num = 1
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("expertise",)
    readonly_fields = AFFILIATION_FIELDS
    fields = (
        "organisation",
        "job_title",
        "function",
        "bio",
        "expertise",
        "languages",
        "listed_in_directory",
        "available_as_expert",
        *AFFILIATION_FIELDS,
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = HubUserChangeForm
    add_form = HubUserCreationForm
    inlines = (ProfileInline,)
    list_display = (
        "email",
        "full_name",
        "is_active",
        "is_former_member",
        "is_staff",
        "date_joined",
        "last_login",
    )
    list_filter = ("is_active", "is_former_member", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = (
        "date_joined",
        "last_login",
        "roles_in_portal",
        "is_former_member",
        "is_staff",
        "is_superuser",
    )
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name",)}),
        (
            _("Access"),
            {
                "fields": ("is_active", "roles_in_portal", "is_staff", "is_superuser", "is_former_member"),
                "description": _(
                    "Roles are given in the portal so that every change is written to the audit log."
                ),
            },
        ),
        (_("Dates"), {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    actions = ("delete_accounts",)

    @admin.display(description=_("Roles"))
    def roles_in_portal(self, obj: User) -> str:
        if obj.pk is None:
            return "–"
        names = ", ".join(group.name for group in obj.groups.all()) or _("none")
        return format_html(
            '{} · <a href="{}">{}</a>',
            names,
            reverse("hub:manage_person_roles", args=[obj.pk]),
            _("Change roles"),
        )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Saves, and writes what an administrator changed here to the audit log (never the password)."""
        from hub.services.audit import record_audit

        changed = [name for name in form.changed_data if name not in ("password", "password1", "password2")]
        before = {name: str(form.initial.get(name, "")) for name in changed} if change else None
        super().save_model(request, obj, form, change)
        if changed or not change:
            record_audit(
                actor=request.user,
                action="user.changed_in_admin" if change else "user.created_in_admin",
                target=obj,
                summary=_("Changed in Django administration: %(fields)s") % {"fields": ", ".join(changed)}
                if change
                else _("Account created in Django administration"),
                before=before,
                after={name: str(getattr(obj, name, "")) for name in changed} if change else None,
            )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Rows are kept so content stays attributed to "Former member"; use the "Delete accounts" action instead.
        return False

    @admin.action(description=_("Delete accounts (remove personal data, keep the row)"))
    def delete_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from hub.services.data_rights import AccountDeletionError, delete_account

        deleted = 0
        for person in queryset.filter(is_former_member=False):
            try:
                delete_account(user=person, acting_user=request.user)
                deleted += 1
            except AccountDeletionError as error:
                self.message_user(request, f"{person.email}: {error}", messages.ERROR)
        self.message_user(request, _("%(count)d accounts deleted.") % {"count": deleted}, messages.SUCCESS)


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "category", "province", "district")
    list_filter = ("category", "province")
    search_fields = ("name", "code")
    list_select_related = ("province", "district")
    autocomplete_fields = ("district",)


class VerifiedEmailDomainInline(admin.TabularInline):
    model = VerifiedEmailDomain
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "province", "municipality", "is_national_office")
    list_filter = ("kind", "province", "is_national_office")
    search_fields = ("name", "municipality__code", "municipality__name")
    list_select_related = ("province", "municipality")
    autocomplete_fields = ("municipality",)
    inlines = (VerifiedEmailDomainInline,)


@admin.register(ExpertiseArea)
class ExpertiseAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "description")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(VerifiedEmailDomain)
class VerifiedEmailDomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "organisation")
    list_filter = ("organisation__kind", "organisation__province")
    search_fields = ("domain", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "organisation",
        "function",
        "listed_in_directory",
        "available_as_expert",
        "affiliation_status",
        "updated_at",
    )
    list_filter = (
        "affiliation_status",
        "function",
        "listed_in_directory",
        "available_as_expert",
        "organisation__kind",
        "organisation__province",
    )
    search_fields = ("user__email", "user__full_name", "job_title", "organisation__name")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("user", "organisation")
    filter_horizontal = ("expertise",)
    readonly_fields = (*AFFILIATION_FIELDS, "updated_at")


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    """Metadata only (the hub never stores message text); read-only, it exists for rate limits."""

    list_display = ("created_at", "sender", "recipient")
    list_filter = ("created_at",)
    search_fields = ("sender__email", "recipient__email")
    list_select_related = ("sender", "recipient")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by services only and never edited or deleted."""

    list_display = ("created_at", "actor_label", "action", "target_type", "target_label", "summary")
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("actor_label", "action", "target_label", "summary", "target_id")
    list_select_related = ("target_type",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "actor",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "target_label",
        "summary",
        "changes",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
