"""The resource centre: knowledge products (Resource), their files and file versions, the topic taxonomy,
review history, feedback, collections and each member's library (saved resources and saved searches)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from hub.models import Language, Municipality, Organisation, Province


class Topic(models.Model):
    """Two-level, admin-managed taxonomy: a theme (parent is null) and its sub-topics."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        limit_choices_to={"parent__isnull": True},
    )
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="resources_topic_unique_name_per_parent"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="resources_topic_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent_id and self.parent else self.name


class ResourceQuerySet(models.QuerySet["Resource"]):
    def published(self) -> ResourceQuerySet:
        return self.filter(status=Resource.Status.PUBLISHED)

    def visible_to(self, user: Any) -> ResourceQuerySet:
        """Published resources the person may see: public ones for everyone, members-only ones for members, internal
        ones for SALGA staff, reviewers and administrators. Used by every list, search, count, feed and download."""
        return self.published().filter(visibility__in=visibility_levels(user))

    def editable_by(self, user: Any) -> ResourceQuerySet:
        """Items a person contributed (any status), for "My uploads"."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(created_by=user)


def visibility_levels(user: Any) -> list[str]:
    """The visibility levels of published resources `user` may see (the rule of ResourceQuerySet.visible_to)."""
    from hub.permissions import can_see_internal_content, is_member

    allowed = [Resource.Visibility.PUBLIC.value]
    if is_member(user):
        allowed.append(Resource.Visibility.MEMBERS.value)
    if can_see_internal_content(user):
        allowed.append(Resource.Visibility.INTERNAL.value)
    return allowed


class Resource(models.Model):
    """A knowledge product: a guide, toolkit, brief, research report, case study, template, data set..."""

    class ResourceType(models.TextChoices):
        GUIDE = "guide", _("Guide")
        TOOLKIT = "toolkit", _("Toolkit")
        POLICY_BRIEF = "policy_brief", _("Policy brief")
        LEGAL_BRIEF = "legal_brief", _("Legal brief")
        RESEARCH_REPORT = "research_report", _("Research report")
        CASE_STUDY = "case_study", _("Case study / good practice")
        TEMPLATE = "template", _("Template")
        PRESENTATION = "presentation", _("Presentation")
        DATA_SET = "data_set", _("Data set")
        JOURNAL_ARTICLE = "journal_article", _("Journal article")
        RECORDING = "recording", _("Video or webinar recording")
        LINK = "link", _("Link")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Members only")
        INTERNAL = "internal", _("SALGA internal")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")
        REJECTED = "rejected", _("Rejected")

    class Licence(models.TextChoices):
        CC_BY = "cc-by-4.0", _("Creative Commons Attribution 4.0")
        CC_BY_SA = "cc-by-sa-4.0", _("Creative Commons Attribution-ShareAlike 4.0")
        CC_BY_NC = "cc-by-nc-4.0", _("Creative Commons Attribution-NonCommercial 4.0")
        PUBLIC_DOMAIN = "public-domain", _("Public domain / government work")
        ALL_RIGHTS = "all-rights-reserved", _("All rights reserved (shared with permission)")

    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(max_length=270, unique=True)
    summary = models.CharField(_("summary"), max_length=500)
    body = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    body_html = models.TextField(blank=True, editable=False)  # rendered and sanitised from body
    resource_type = models.CharField(_("type"), max_length=20, choices=ResourceType.choices)
    topics = models.ManyToManyField(Topic, blank=True, related_name="resources")
    tags = TaggableManager(blank=True)
    languages = ArrayField(
        models.CharField(max_length=3, choices=Language.choices), default=list, blank=True, size=12
    )
    translations = models.ManyToManyField("self", blank=True, symmetrical=True)
    is_national = models.BooleanField(_("national coverage"), default=False)
    provinces = models.ManyToManyField(Province, blank=True, related_name="resources")
    municipalities = models.ManyToManyField(Municipality, blank=True, related_name="resources")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="resources",
        verbose_name=_("contributing organisation"),
    )
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="authored_resources")
    author_names = models.CharField(
        _("other authors"), max_length=500, blank=True, help_text=_("Authors without an account, comma-separated.")
    )
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    licence = models.CharField(max_length=24, choices=Licence.choices, default=Licence.CC_BY)
    external_url = models.URLField(_("link"), max_length=1000, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_by = models.DateField(_("review by"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supersedes"
    )
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    # The uploaded cover (PNG or JPEG, checked), and two JPEG copies made from it by set_cover_image: a thumbnail
    # (at most 480 pixels, for the detail page) and a small one (at most 160, for result lists). Their sizes are
    # kept so pages can reserve the space before the images arrive. Served by resources.views.files.cover_image.
    cover_image = models.ImageField(upload_to="covers/", blank=True)
    cover_thumbnail = models.ImageField(upload_to="covers/thumbnails/", blank=True, editable=False)
    cover_thumbnail_width = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    cover_thumbnail_height = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    cover_small = models.ImageField(upload_to="covers/small/", blank=True, editable=False, db_default="")
    cover_small_width = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    cover_small_height = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploaded_resources"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Optimistic locking: every edit must name the version it started from (no lost updates).
    edit_version = models.PositiveIntegerField(default=1)

    download_count = models.PositiveIntegerField(default=0)
    useful_count = models.PositiveIntegerField(default=0)
    not_useful_count = models.PositiveIntegerField(default=0)

    # Weighted: A title, B summary and tags, C body, D text extracted from files. Maintained by services.
    search_vector = SearchVectorField(null=True, editable=False)
    # Unaccented plain text (title, summary, body, tags) for trigram "did you mean" suggestions.
    search_text = models.TextField(blank=True, editable=False)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            GinIndex(fields=["search_vector"], name="resources_search_vector_gin"),
            # Runs of two and three words of the vector, for phrase searches (function from migration 0006,
            # conditions in resources.text_query).
            GinIndex(
                models.Func(models.F("search_vector"), function="resources_search_phrases",
                            output_field=ArrayField(models.TextField())),
                name="resources_search_phrases_gin",
            ),
            models.Index(fields=["status", "visibility"], name="resources_status_visibility"),
            models.Index(fields=["review_by"], name="resources_review_by"),
            GinIndex(fields=["languages"], name="resources_languages_gin"),
            # Browsing without search words reads a page in each sort order straight from these
            # (resources.selectors._browse_order); only published resources are ever browsed.
            models.Index(models.F("published_at").desc(nulls_last=True), models.F("id").desc(),
                         condition=models.Q(status="published"), name="resources_browse_newest"),
            models.Index(models.F("download_count").desc(), models.F("published_at").desc(nulls_last=True),
                         models.F("id").desc(), condition=models.Q(status="published"),
                         name="resources_browse_downloads"),
            models.Index(Lower("title"), models.F("id"), condition=models.Q(status="published"),
                         name="resources_browse_title"),
        ]
        permissions = [
            ("review_resource", "Can review and publish submitted resources"),
            ("publish_resource_directly", "Can publish own resources without review"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("resources:resource_detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_superseded(self) -> bool:
        return self.superseded_by_id is not None


def file_version_upload_to(instance: FileVersion, filename: str) -> str:
    # Never the user's file name: a random name under a date folder. The original name is kept in a field.
    extension = instance.extension if instance.extension else "bin"
    return f"resources/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class ResourceFile(models.Model):
    """A file slot of a resource (e.g. "Toolkit (PDF)", "Budget template (Excel)"); its content lives in versions.
    Links to a file always serve its latest version."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="files")
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    latest_version = models.ForeignKey(
        "FileVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    download_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class FileVersion(models.Model):
    class Extraction(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not applicable")

    file = models.ForeignKey(ResourceFile, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    stored_file = models.FileField(upload_to=file_version_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)  # sanitised; used only in Content-Disposition
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=120)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    change_note = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    download_count = models.PositiveIntegerField(default=0)
    extracted_text = models.TextField(blank=True)
    extraction_status = models.CharField(max_length=10, choices=Extraction.choices, default=Extraction.PENDING)
    extraction_error = models.CharField(max_length=500, blank=True)
    extracted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["file", "-number"]
        constraints = [models.UniqueConstraint(fields=["file", "number"], name="resources_fileversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.number})"


class ReviewEvent(models.Model):
    """One step in a resource's review history (submitted, changes requested, resubmitted, published, rejected...)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        ARCHIVED = "archived", _("Archived")
        EDITED = "edited", _("Metadata edited")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="review_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class Feedback(models.Model):
    """"Was this useful?" One answer per member per resource (anonymous answers are counted per session)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    is_useful = models.BooleanField()
    comment = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "user"], condition=Q(user__isnull=False), name="resources_feedback_once_per_user"
            )
        ]


class Collection(models.Model):
    """A curated, ordered list of resources with an introduction, kept by staff (e.g. "MFMA toolkit")."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    introduction = models.TextField(blank=True, help_text=_("Markdown."))
    introduction_html = models.TextField(blank=True, editable=False)
    is_featured = models.BooleanField(default=False)
    is_published = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("resources:collection_detail", kwargs={"slug": self.slug})


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="collection_items")
    position = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "resource"], name="resources_collection_item_unique")
        ]


class SavedResource(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_resources")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="saved_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "resource"], name="resources_saved_once")]


class SavedSearch(models.Model):
    """A search a member keeps; with `email_digest` on, a weekly email lists new matches."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=120)
    query_string = models.CharField(max_length=2000)  # the /resources/ URL's query string
    email_digest = models.BooleanField(default=False)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "query_string"], name="resources_saved_search_once")]

    def __str__(self) -> str:
        return self.name
