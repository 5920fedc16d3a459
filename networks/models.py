"""Peer learning networks: networks and their memberships and invitations, forums (topics, posts, revisions,
reactions, flags), notifications and their preferences, and learning events with registrations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Province


class NetworkQuerySet(models.QuerySet["Network"]):
    def active(self) -> NetworkQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: Any) -> NetworkQuerySet:
        """Networks whose page and forum a person may read: public ones for everyone; members-only ones for their
        active members, and for SALGA staff and administrators. THE rule for networks, their topics, posts, events,
        feeds, search and calendars."""
        from hub.permissions import can_see_internal_content

        networks = self.active()
        if can_see_internal_content(user):
            return networks
        if not getattr(user, "is_authenticated", False):
            return networks.filter(visibility=Network.Visibility.PUBLIC)
        # EXISTS, not a join: a join with the network's memberships (thousands) needs DISTINCT and a scan of them all
        member = Membership.objects.filter(network=models.OuterRef("pk"), user=user, status=Membership.Status.ACTIVE)
        return networks.filter(Q(visibility=Network.Visibility.PUBLIC) | Q(models.Exists(member)))

    def discoverable_to(self, user: Any) -> NetworkQuerySet:
        """Networks whose existence a person may learn of: those visible_to(user), and for signed-in people also
        active members-only networks that anyone may join (open) or ask to join (by approval), so they can find them
        and join. Used only by the network list and the landing and join pages, which show such a network's name,
        description, purpose and member count and nothing of its content: visible_to stays the rule for everything
        inside a network. Members-only networks by invitation stay hidden from non-members, and so does a network
        from someone it banned (they may not ask again, and their old links must lead nowhere)."""
        visible = self.visible_to(user)
        if not getattr(user, "is_authenticated", False):
            return visible
        banned = Membership.objects.filter(network=models.OuterRef("pk"), user=user, is_banned=True)
        return visible | self.active().filter(
            ~Q(models.Exists(banned)), visibility=Network.Visibility.MEMBERS,
            join_policy__in=[Network.JoinPolicy.OPEN, Network.JoinPolicy.APPROVAL],
        )


class Network(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read the forum")
        MEMBERS = "members", _("Members only")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: any member can join")
        APPROVAL = "approval", _("By approval of a coordinator")
        INVITATION = "invitation", _("By invitation only")

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.CharField(max_length=500)
    purpose = models.TextField(blank=True, help_text=_("Markdown."))
    purpose_html = models.TextField(blank=True, editable=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    join_policy = models.CharField(max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.APPROVAL)
    is_active = models.BooleanField(default=True)
    premoderate_first_posts = models.PositiveSmallIntegerField(
        default=0, help_text=_("How many of a new member's first posts a coordinator must approve (0: none).")
    )
    new_member_daily_topic_limit = models.PositiveSmallIntegerField(default=3)
    new_member_daily_reply_limit = models.PositiveSmallIntegerField(default=10)
    resources = models.ManyToManyField(
        "resources.Resource", blank=True, related_name="networks", help_text=_("The network's library.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("networks:network_detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        COORDINATOR = "coordinator", _("Coordinator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Asked to join")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Request declined")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    is_banned = models.BooleanField(default=False, help_text=_("A banned person cannot ask to join again."))
    request_message = models.CharField(max_length=1000, blank=True)
    decision_note = models.CharField(max_length=1000, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_post_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["network", "user"]
        constraints = [models.UniqueConstraint(fields=["network", "user"], name="networks_membership_once")]
        indexes = [models.Index(fields=["network", "status"], name="networks_membership_status")]

    def __str__(self) -> str:
        return f"{self.user} in {self.network} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role == self.Role.COORDINATOR


class Invitation(models.Model):
    """An emailed invitation to join. The link carries a random token; only its SHA-256 is stored. One use."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ForumTopicQuerySet(models.QuerySet["ForumTopic"]):
    def visible_to(self, user: Any) -> ForumTopicQuerySet:
        """Topics of networks the person may read; deleted topics are gone for everyone."""
        return self.filter(network__in=Network.objects.visible_to(user), is_deleted=False)


class ForumTopic(models.Model):
    """A discussion in a network's forum: the question or opening post is the first Post."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_post_at = models.DateTimeField(default=timezone.now, db_index=True)
    reply_count = models.PositiveIntegerField(default=0)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    is_question = models.BooleanField(default=True)
    accepted_post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    knowledge_resource = models.ForeignKey(
        "resources.Resource", on_delete=models.SET_NULL, null=True, blank=True, related_name="source_topics",
        help_text=_("The draft resource this discussion was turned into."),
    )
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ForumTopicQuerySet.as_manager()

    class Meta:
        ordering = ["-is_pinned", "-last_post_at"]
        indexes = [
            GinIndex(fields=["search_vector"], name="networks_topic_search_gin"),
            models.Index(fields=["network", "-is_pinned", "-last_post_at"], name="networks_topic_listing"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("networks:topic_detail", kwargs={"slug": self.network.slug, "pk": self.pk})


class Post(models.Model):
    class Moderation(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        PENDING = "pending", _("Waiting for a coordinator")
        HIDDEN = "hidden", _("Hidden by a coordinator")

    topic = models.ForeignKey(ForumTopic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="forum_posts")
    body = models.TextField(max_length=20000)
    body_html = models.TextField(editable=False)
    quoted_post = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    helpful_count = models.PositiveIntegerField(default=0)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["topic", "created_at", "id"], name="networks_post_in_topic"),
            GinIndex(fields=["search_vector"], name="networks_post_search_gin"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.topic_id}"


class PostRevision(models.Model):
    """The text of a post before an edit, visible to coordinators."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class Reaction(models.Model):
    """A "helpful" reaction: one per person per post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="networks_reaction_once")]


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abusive or disrespectful")
        PERSONAL_DATA = "personal_data", _("Shares someone's personal information")
        OFF_TOPIC = "off_topic", _("Off topic")
        MISINFORMATION = "misinformation", _("Wrong or misleading")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACTIONED = "actioned", _("Action taken")
        DISMISSED = "dismissed", _("Dismissed")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"], condition=Q(status="open"), name="networks_flag_once_while_open"
            )
        ]


class Notification(models.Model):
    """An in-app notification (the bell). `emailed_at` records whether email (immediate or digest) covered it."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("New reply")
        NEW_TOPIC = "new_topic", _("New discussion")
        MENTION = "mention", _("Mention")
        ACCEPTED = "accepted", _("Answer accepted")
        MEMBERSHIP = "membership", _("Membership")
        MODERATION = "moderation", _("Moderation")
        EVENT = "event", _("Event")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    topic = models.ForeignKey(ForumTopic, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    event = models.ForeignKey("Event", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="networks_notification_unread"),
            models.Index(fields=["user", "emailed_at"], name="networks_notification_email"),
        ]


class EmailFrequency(models.TextChoices):
    EACH_POST = "each", _("An email for each post")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")
    NONE = "none", _("No email (notifications in the hub only)")


class NotificationPreference(models.Model):
    """How a person hears about a network's activity (network set) or a watched topic (topic set)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    topic = models.ForeignKey(ForumTopic, on_delete=models.CASCADE, null=True, blank=True, related_name="watchers")
    email_frequency = models.CharField(max_length=8, choices=EmailFrequency.choices, default=EmailFrequency.DAILY)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(network__isnull=False, topic__isnull=True) | Q(network__isnull=True, topic__isnull=False),
                name="networks_preference_network_or_topic",
            ),
            models.UniqueConstraint(
                fields=["user", "network"], condition=Q(network__isnull=False), name="networks_preference_network_once"
            ),
            models.UniqueConstraint(
                fields=["user", "topic"], condition=Q(topic__isnull=False), name="networks_preference_topic_once"
            ),
        ]


class EventQuerySet(models.QuerySet["Event"]):
    def visible_to(self, user: Any) -> EventQuerySet:
        """Published events of networks the person may read, and hub-wide events (no network)."""
        return self.filter(is_published=True).filter(
            Q(network__isnull=True) | Q(network__in=Network.objects.visible_to(user))
        )

    def upcoming(self) -> EventQuerySet:
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at")

    def past(self) -> EventQuerySet:
        return self.filter(ends_at__lt=timezone.now()).order_by("-starts_at")


class Event(models.Model):
    class EventType(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        WEBINAR = "webinar", _("Webinar")
        LEARNING_EXCHANGE = "learning_exchange", _("Learning exchange or site visit")
        CONFERENCE = "conference", _("Conference")
        NETWORK_MEETING = "network_meeting", _("Network meeting")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    description = models.TextField(blank=True, help_text=_("Markdown."))
    description_html = models.TextField(blank=True, editable=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    venue = models.CharField(max_length=300, blank=True)
    province = models.ForeignKey(Province, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    online_url = models.URLField(
        max_length=500, blank=True, help_text=_("Shown only to people who are registered.")
    )
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text=_("Empty: no limit."))
    registration_deadline = models.DateTimeField(null=True, blank=True)
    is_published = models.BooleanField(default=True)
    is_cancelled = models.BooleanField(default=False)
    resources = models.ManyToManyField(
        "resources.Resource", blank=True, related_name="events", help_text=_("The post-event pack.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="networks_event_ends_after_start")]
        indexes = [models.Index(fields=["starts_at"], name="networks_event_starts")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:event_detail", kwargs={"slug": self.slug})


class Registration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations")
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="networks_registration_once")]
        indexes = [models.Index(fields=["event", "status", "created_at"], name="networks_registration_queue")]
