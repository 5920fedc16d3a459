"""Django admin for the newsletters (site administrators), to look things up. What is evidence or state stays
read-only here: consent records, suppressions, deliveries, and an issue's status and frozen content (sending,
pausing and editing go through the publishing pages and their services, which check the rules and write the
audit log). Lists use the publishing form, so a line break in a header value is refused here too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from newsletters.forms import NewsletterForm
from newsletters.models import ConsentRecord, Delivery, Issue, Newsletter, Subscriber, Subscription, Suppression


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    form = NewsletterForm
    list_display = ["name", "audience", "network", "language", "sender_email", "is_active"]
    list_filter = ["audience", "language", "is_active"]
    search_fields = ["name", "slug", "description", "sender_name", "sender_email"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["network"]


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    can_delete = False
    fields = ["method", "given_at", "confirmed_at", "source", "wording", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["subscriber", "newsletter", "status", "subscribed_at", "unsubscribed_at"]
    list_filter = ["newsletter", "status"]
    search_fields = ["subscriber__email", "subscriber__name"]
    list_select_related = ["subscriber", "newsletter"]
    inlines = [ConsentInline]


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    can_delete = False
    fields = ["newsletter", "status", "subscribed_at", "unsubscribed_at", "ended_by_issue"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "province", "municipality", "function", "language", "soft_bounce_count"]
    list_filter = ["language", "function", "province"]
    search_fields = ["email", "name"]
    raw_id_fields = ["user", "municipality"]
    readonly_fields = ["email", "soft_bounce_count", "created_at"]
    inlines = [SubscriptionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people subscribe themselves, or come in through an import with a consent basis


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["email_hash", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email_hash"]


@admin.register(Issue)
class IssueAdmin(ReadOnlyAdmin):
    list_display = ["subject", "newsletter", "status", "scheduled_at", "send_started_at", "sent_at",
                    "recipient_count", "publishing_page"]
    list_filter = ["status", "newsletter"]
    search_fields = ["subject", "slug", "preheader", "body"]
    list_select_related = ["newsletter"]
    date_hierarchy = "created_at"
    exclude = ["rendered_html", "rendered_text"]

    @admin.display(description=_("Publishing page"))
    def publishing_page(self, issue: Issue) -> str:
        return format_html('<a href="{}">{}</a>', reverse("newsletters:issue_detail", args=[issue.pk]), _("Open"))


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["issue", "email", "status", "attempts", "sent_at", "possible_duplicate", "bounced_at",
                    "complained_at"]
    list_filter = ["status", "possible_duplicate", "issue__newsletter"]
    search_fields = ["email", "issue__subject"]
    list_select_related = ["issue"]
    raw_id_fields = ["issue", "subscriber", "subscription"]
    show_full_result_count = False  # an issue to fifty thousand people: no COUNT(*) over the whole table per page
