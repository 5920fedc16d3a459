"""Newsletters: the newsletters themselves (lists), subscribers, their subscriptions and consent records, the
suppression list, issues (editions) and the outbox of deliveries that task workers drain.

Who owns what:
- a Subscriber is one email address (stored lower-cased), optionally linked to a member's account;
- a Subscription is that address on one Newsletter, with its own status; every opt-in leaves a ConsentRecord;
- a Suppression is an address (kept only as a SHA-256 hash) that must never be mailed again until it opts in anew:
  hard bounces, complaints and erasure requests;
- an Issue is one edition; starting its send writes one Delivery per recipient in one statement, and workers claim
  deliveries with SELECT ... FOR UPDATE SKIP LOCKED under a lease.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Function, Language, Municipality, Province


def normalise_email(email: str) -> str:
    """The one spelling of an address the newsletters store and compare: trimmed and lower-cased. (The local part is
    case-sensitive in theory; in practice no provider treats it so, and two spellings must not be two subscribers.)"""
    return (email or "").strip().lower()


def email_hash(email: str) -> str:
    """SHA-256 of the normalised address: how suppressions remember an address without keeping it."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class Audience(models.TextChoices):
    PUBLIC = "public", _("Public: anyone may subscribe; archive open to all")
    MEMBERS = "members", _("Members: signed-in members may subscribe; archive for members")
    NETWORK_MEMBERS = "network_members", _("Network members: members of one network")
    STAFF = "staff", _("SALGA staff: internal news")


class NewsletterQuerySet(models.QuerySet["Newsletter"]):
    def active(self) -> NewsletterQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: Any) -> NewsletterQuerySet:
        """Newsletters whose page and archive a person may see. Public ones for everyone; members' ones for signed-in
        members; a network's for its active members; staff ones for SALGA staff. Publishers and administrators see
        all. THE rule for the index, archives, web versions and feeds."""
        from hub.permissions import can_see_internal_content, is_newsletter_publisher, is_site_administrator

        newsletters = self.active()
        if is_newsletter_publisher(user) or is_site_administrator(user):
            return self.all()
        if not getattr(user, "is_authenticated", False):
            return newsletters.filter(audience=Audience.PUBLIC)
        rule = Q(audience=Audience.PUBLIC) | Q(audience=Audience.MEMBERS)
        rule |= Q(
            audience=Audience.NETWORK_MEMBERS,
            network__memberships__user=user,
            network__memberships__status="active",
        )
        if can_see_internal_content(user):
            rule |= Q(audience=Audience.STAFF) | Q(audience=Audience.NETWORK_MEMBERS)
        return newsletters.filter(rule).distinct()


class Newsletter(models.Model):
    """A list people subscribe to, and the identity its mail goes out under."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=500)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    network = models.ForeignKey(
        "networks.Network", on_delete=models.PROTECT, null=True, blank=True, related_name="newsletters",
        help_text=_("Only for a network members' newsletter."),
    )
    language = models.CharField(_("language"), max_length=3, choices=Language.choices, default=Language.ENGLISH)
    sender_name = models.CharField(_("sender name"), max_length=100)
    sender_email = models.EmailField(_("sender address"))
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    physical_address = models.CharField(
        _("postal address shown in every footer"), max_length=300,
        default="SALGA, Menlyn Corporate Park, Block B, 175 Corobay Avenue, Waterkloof Glen, Pretoria, 0181",
    )
    contact_details = models.CharField(
        _("contact shown in every footer"), max_length=300, default="info@salga.org.za, +27 12 369 8000"
    )
    consent_wording = models.TextField(
        _("consent wording shown at sign-up"),
        default=_(
            "I agree that SALGA may send me this newsletter by email. I can unsubscribe at any time with one click."
        ),
    )
    is_active = models.BooleanField(_("open for subscription and sending"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = NewsletterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience=Audience.NETWORK_MEMBERS, network__isnull=False)
                | (~Q(audience=Audience.NETWORK_MEMBERS) & Q(network__isnull=True)),
                name="newsletters_network_iff_network_audience",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsletters:archive", args=[self.slug])

    @property
    def list_id(self) -> str:
        """The RFC 2919 List-Id value: `<slug.host>`."""
        host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return f"{self.name} <{self.slug}.{host}>"


class Subscriber(models.Model):
    """One email address. `secret` signs its manage and unsubscribe links; rotating it revokes every old link."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="subscriber"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    province = models.ForeignKey(Province, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    function = models.CharField(_("function"), max_length=32, choices=Function.choices, blank=True)
    language = models.CharField(_("language"), max_length=3, choices=Language.choices, default=Language.ENGLISH)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    soft_bounce_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=Q(email=models.functions.Lower("email")), name="newsletters_email_lower")
        ]

    def __str__(self) -> str:
        return self.email


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def subscribed(self) -> SubscriptionQuerySet:
        return self.filter(status=Subscription.Status.SUBSCRIBED)


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        SUBSCRIBED = "subscribed", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="subscriptions")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    subscribed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Which issue's unsubscribe link (or complaint) ended it, for that issue's report.
    ended_by_issue = models.ForeignKey(
        "Issue", on_delete=models.SET_NULL, null=True, blank=True, related_name="ended_subscriptions"
    )

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["newsletter", "subscriber"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "newsletter"], name="newsletters_subscription_once")
        ]
        indexes = [models.Index(fields=["newsletter", "status"], name="newsletters_subscr_status")]

    def __str__(self) -> str:
        return f"{self.subscriber} on {self.newsletter}"


class ConsentRecord(models.Model):
    """Evidence of consent (POPIA section 69): when, how, the exact wording shown, and when it was confirmed.
    Kept when the person unsubscribes (as proof of what was agreed while it lasted); anonymised on erasure."""

    class Method(models.TextChoices):
        FORM = "form", _("Public sign-up form (double opt-in)")
        MEMBER = "member", _("Member's one-click subscription")
        IMPORT = "import", _("Imported with a recorded consent basis")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="consents")
    method = models.CharField(max_length=10, choices=Method.choices)
    wording = models.TextField()
    given_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(
        max_length=300, blank=True, help_text=_("For imports: the file, row and the consent basis it gave.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-given_at"]


class Suppression(models.Model):
    """An address that must not be mailed: only its hash is kept. Removed only when the address opts in anew."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("Hard bounce")
        COMPLAINED = "complained", _("Complaint (marked as spam)")
        ERASED = "erased", _("Erasure request")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed from everything")

    email_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.email_hash[:12]}… ({self.get_reason_display()})"


class IssueQuerySet(models.QuerySet["Issue"]):
    def archived(self) -> IssueQuerySet:
        return self.filter(status=Issue.Status.SENT)

    def visible_to(self, user: Any) -> IssueQuerySet:
        """Issues a person may read on the web: sent issues of newsletters they may see; publishers see all."""
        from hub.permissions import is_newsletter_publisher, is_site_administrator

        if is_newsletter_publisher(user) or is_site_administrator(user):
            return self.all()
        return self.archived().filter(newsletter__in=Newsletter.objects.visible_to(user))


class Issue(models.Model):
    """One edition of a newsletter. Content is frozen (rendered_html/rendered_text) when sending starts."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    EDITABLE = (Status.DRAFT,)

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="issues")
    subject = models.CharField(_("subject"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=100)
    preheader = models.CharField(
        _("preheader"), max_length=200, blank=True,
        help_text=_("The line mail apps show after the subject."),
    )
    body = models.TextField(_("body (Markdown)"), blank=True)
    # Audience narrowing without SQL: {"provinces": [ids], "categories": ["A","B","C"], "municipalities": [ids],
    # "functions": [...], "networks": [ids], "languages": [...]}; empty means the whole list.
    audience_filter = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text=_("When the last delivery finished."))
    rendered_html = models.TextField(blank=True, editable=False)
    rendered_text = models.TextField(blank=True, editable=False)
    recipient_count = models.PositiveIntegerField(default=0)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["newsletter", "slug"], name="newsletters_issue_slug")]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("newsletters:issue", args=[self.newsletter.slug, self.slug])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def finished(self) -> DeliveryQuerySet:
        return self.filter(status__in=Delivery.FINAL)


class Delivery(models.Model):
    """One message of one issue to one subscriber: the outbox row a worker claims, sends and marks.

    States: queued (waiting; `next_attempt_at` for retries) -> claimed (in a worker's batch under a lease) ->
    attempting (being handed to the mail server right now) -> sent | failed | cancelled. A lease that expires in
    claimed or attempting goes back to queued; one that expires in attempting may already have been delivered, so it
    is counted in `possible_duplicate`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CLAIMED = "claimed", _("Claimed by a worker")
        ATTEMPTING = "attempting", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINAL = (Status.SENT, Status.FAILED, Status.CANCELLED)

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    # SET_NULL so an erased subscriber leaves an anonymous row behind for the issue's figures.
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    email = models.CharField(max_length=254, blank=True, help_text=_("Blanked on erasure."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    possible_duplicate = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "subscriber"], name="newsletters_delivery_once"),
        ]
        indexes = [
            # Workers' claim query: the issue's waiting rows in id order.
            models.Index(
                fields=["issue", "id"], name="newsletters_deliv_waiting",
                condition=Q(status__in=["queued", "claimed", "attempting"]),
            ),
            models.Index(fields=["issue", "status"], name="newsletters_deliv_status"),
            models.Index(fields=["sent_at"], name="newsletters_deliv_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id}/{self.pk} {self.status}"

    @property
    def message_id(self) -> str:
        """The Message-ID this delivery's email carries: stable, so a resend after a crash has the same one and
        mail providers can drop the duplicate."""
        host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return f"<delivery-{self.issue_id}-{self.pk}@{host}>"


class SendRateBucket(models.Model):
    """The shared token bucket every worker takes from before sending (NEWSLETTER_RATE_PER_SECOND/HOUR): one row,
    locked for the moment of taking, so the cap holds across workers on any number of machines."""

    key = models.CharField(max_length=20, unique=True, default="default")
    second_started_at = models.DateTimeField(default=timezone.now)
    sent_this_second = models.PositiveIntegerField(default=0)
    hour_started_at = models.DateTimeField(default=timezone.now)
    sent_this_hour = models.PositiveIntegerField(default=0)
