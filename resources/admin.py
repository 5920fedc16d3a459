"""Django admin for the resource centre. The topic taxonomy and collections are managed here. Resources can be
corrected here too, but their status changes only through the review pages or the admin actions below, which call
the same services (review events, audit log, emails); files are uploaded through the site, where they are checked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from resources.markdown import render_markdown
from resources.models import (
    Collection,
    CollectionItem,
    Feedback,
    FileVersion,
    Resource,
    ResourceFile,
    ReviewEvent,
    SavedResource,
    SavedSearch,
    Topic,
)
from resources.services import files as file_services
from resources.services import publishing


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "position", "slug")
    list_editable = ("position",)
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("parent__name", "position", "name")


class ResourceFileInline(admin.TabularInline):
    model = ResourceFile
    extra = 0
    fields = ("title", "position", "latest_version", "download_count")
    readonly_fields = ("latest_version", "download_count")
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # files are added through the site, where their bytes are checked


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    extra = 0
    fields = ("created_at", "kind", "actor", "message")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("title", "resource_type", "status", "visibility", "organisation", "published_at", "review_by",
                    "download_count")
    list_filter = ("status", "visibility", "resource_type", "licence", "topics", "is_national", "provinces")
    search_fields = ("title", "summary", "slug", "author_names", "created_by__email")
    date_hierarchy = "created_at"
    autocomplete_fields = ("organisation", "superseded_by", "related", "translations", "authors", "municipalities")
    filter_horizontal = ("topics", "provinces")
    readonly_fields = ("status", "created_by", "created_at", "updated_at", "submitted_at", "published_at",
                       "edit_version", "download_count", "useful_count", "not_useful_count", "site_links")
    exclude = ("cover_image",)
    inlines = (ResourceFileInline, ReviewEventInline)
    actions = ("publish_selected", "archive_selected")
    list_select_related = ("organisation",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("On the site"))
    def site_links(self, obj: Resource) -> str:
        if not obj.pk:
            return "–"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            obj.get_absolute_url(), _("Page"),
            reverse("resources:review_detail", kwargs={"slug": obj.slug}), _("Review page"),
        )

    def save_model(self, request: HttpRequest, obj: Resource, form: Any, change: bool) -> None:
        obj.body_html = render_markdown(obj.body)
        if change:
            # A form open in the portal must notice this save (optimistic locking).
            obj.edit_version = F("edit_version") + 1
        else:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["edit_version"])

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        file_services.refresh_search_vector(form.instance.pk)

    @admin.action(description=_("Publish the selected resources"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Resource]) -> None:
        done = 0
        for resource in queryset:
            try:
                publishing.publish_resource(resource=resource, acting_user=request.user)
                done += 1
            except (publishing.TransitionError, PermissionError) as error:
                self.message_user(request, f"{resource}: {error}", messages.WARNING)
        self.message_user(request, _("%(count)s published.") % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Archive the selected resources"))
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[Resource]) -> None:
        done = 0
        for resource in queryset:
            try:
                publishing.archive_resource(resource=resource, acting_user=request.user)
                done += 1
            except (publishing.TransitionError, PermissionError) as error:
                self.message_user(request, f"{resource}: {error}", messages.WARNING)
        self.message_user(request, _("%(count)s archived.") % {"count": done}, messages.SUCCESS)


class FileVersionInline(admin.TabularInline):
    model = FileVersion
    extra = 0
    fields = ("number", "original_name", "extension", "size", "sha256", "change_note", "created_at",
              "download_count", "extraction_status", "extraction_error")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ResourceFile)
class ResourceFileAdmin(admin.ModelAdmin):
    list_display = ("title", "resource", "latest_version", "download_count")
    search_fields = ("title", "resource__title")
    readonly_fields = ("resource", "latest_version", "download_count", "created_at")
    inlines = (FileVersionInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(FileVersion)
class FileVersionAdmin(admin.ModelAdmin):
    list_display = ("original_name", "file", "number", "extension", "size", "extraction_status", "created_at")
    list_filter = ("extraction_status", "extension")
    search_fields = ("original_name", "sha256", "file__resource__title")
    readonly_fields = ("file", "number", "stored_file", "original_name", "extension", "content_type", "size",
                       "sha256", "uploaded_by", "created_at", "download_count", "extraction_status",
                       "extraction_error", "extracted_at", "extracted_text")
    fields = ("change_note", *readonly_fields)
    actions = ("rerun_extraction",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Extract the text again"))
    def rerun_extraction(self, request: HttpRequest, queryset: QuerySet[FileVersion]) -> None:
        from resources.tasks import extract_file_text

        count = 0
        for version in queryset:
            extract_file_text.enqueue(version_id=version.pk)
            count += 1
        self.message_user(request, _("Text extraction queued for %(count)s files.") % {"count": count})


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    list_display = ("resource", "kind", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("resource__title", "message", "actor__email")
    readonly_fields = ("resource", "actor", "kind", "message", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("resource", "is_useful", "user", "created_at")
    list_filter = ("is_useful",)
    search_fields = ("resource__title", "comment")
    readonly_fields = ("resource", "user", "is_useful", "comment", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    extra = 1
    autocomplete_fields = ("resource",)
    fields = ("position", "resource", "note")


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("title", "is_featured", "is_published", "updated_at")
    list_filter = ("is_featured", "is_published")
    search_fields = ("title", "introduction")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = (CollectionItemInline,)

    def save_model(self, request: HttpRequest, obj: Collection, form: Any, change: bool) -> None:
        obj.introduction_html = render_markdown(obj.introduction)
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SavedResource)
class SavedResourceAdmin(admin.ModelAdmin):
    list_display = ("user", "resource", "created_at")
    search_fields = ("user__email", "resource__title")
    readonly_fields = ("user", "resource", "created_at")


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "email_digest", "last_sent_at")
    list_filter = ("email_digest",)
    search_fields = ("name", "user__email", "query_string")
    readonly_fields = ("user", "created_at", "last_sent_at")
