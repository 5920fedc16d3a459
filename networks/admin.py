"""Django admin for networks, memberships and invitations (site administrators)."""

from django.contrib import admin

from networks.models import Event, Flag, ForumTopic, Invitation, Membership, Network


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "decided_by"]
    fields = ["user", "role", "status", "is_banned", "joined_at"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "visibility", "join_policy", "is_active"]
    list_filter = ["visibility", "join_policy", "is_active"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["resources"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "network", "role", "status", "is_banned", "joined_at"]
    list_filter = ["network", "role", "status", "is_banned"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "network", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["network"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "accepted_by", "accepted_at"]
    raw_id_fields = ["invited_by"]


@admin.register(ForumTopic)
class ForumTopicAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "created_at", "is_pinned", "is_locked", "is_deleted"]
    list_filter = ["network", "is_deleted"]
    search_fields = ["title"]
    raw_id_fields = ["author", "accepted_post", "knowledge_resource"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["post", "reason", "status", "created_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["post", "reporter", "resolved_by"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "event_type", "starts_at", "is_published", "is_cancelled"]
    list_filter = ["network", "event_type", "is_published"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["created_by"]
    filter_horizontal = ["resources"]
