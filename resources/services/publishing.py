"""Writes about a resource's life: creating it (with its files), editing its metadata under optimistic locking,
submitting and resubmitting it for review, and the reviewers' decisions (publish, request changes, reject, archive).

Every function is keyword-only and atomic. Each step of the review leaves a ReviewEvent; each staff decision an
audit entry. Email (reviewers told of a submission; the uploader told of a decision) is sent after the transaction
commits. The search vector is refreshed (resources.services.search, r2) whenever searchable content changes.

Functions other parts of the hub may call:
    create_resource(*, acting_user, data, files=(), submit=True, publish_now=False, cover_image=None) -> Resource
    update_resource(*, resource, acting_user, data, expected_version) -> Resource      (raises EditConflict)
    submit_resource(*, resource, acting_user, message="") -> Resource
    publish_resource(*, resource, acting_user, message="", expected_version=None) -> Resource
    request_changes(*, resource, acting_user, message, expected_version=None) -> Resource
    reject_resource(*, resource, acting_user, reason, expected_version=None) -> Resource
    archive_resource(*, resource, acting_user, reason="") -> Resource
    set_cover_image(*, resource, image_file, acting_user) -> Resource                   (raises FileRejected)
    unique_slug(title) -> str
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hub.roles import GROUP_ROLES, Role
from hub.services.audit import record_audit
from resources.markdown import render_markdown
from resources.models import Resource, ReviewEvent
from resources.permissions import can_publish_directly, can_review
from resources.services.files import add_file_version, refresh_search_vector
from resources.validation import CheckedFile, FileRejected, image_pixel_limit

logger = logging.getLogger(__name__)

SCALAR_FIELDS = (
    "title", "summary", "body", "resource_type", "languages", "is_national", "organisation", "author_names",
    "publication_date", "licence", "external_url", "visibility", "review_by", "superseded_by",
)
M2M_FIELDS = ("topics", "provinces", "municipalities", "authors", "related", "translations")
AUDITED_FIELDS = ("title", "summary", "resource_type", "visibility", "licence", "review_by", "status")

ACTION_SUBMITTED = "resource.submitted"
ACTION_EDITED = "resource.edited"
ACTION_PUBLISHED = "resource.published"
ACTION_CHANGES_REQUESTED = "resource.changes_requested"
ACTION_REJECTED = "resource.rejected"
ACTION_ARCHIVED = "resource.archived"

THUMBNAIL_SIZE = (480, 480)  # cover on the detail page
SMALL_COVER_SIZE = (160, 160)  # cover in result lists (shown at 80 CSS pixels: sharp on high-density screens)


class EditConflict(Exception):
    """Someone saved the resource after this form was opened; nothing was changed. `current` is the saved state."""

    def __init__(self, current: Resource) -> None:
        super().__init__(_("This resource was changed by someone else while you were editing it."))
        self.current = current


class TransitionError(ValueError):
    """The decision does not apply to the resource in its current status (e.g. publishing a rejected item)."""


# ------------------------------------------------------------------------------------------------- helpers


def unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """A URL slug from the title (accents folded: "Khâi-Ma" -> "khai-ma"), made unique with -2, -3..."""
    base = slugify(title)[:240].strip("-") or "resource"
    candidate, number = base, 1
    others = Resource.objects.all() if exclude_pk is None else Resource.objects.exclude(pk=exclude_pk)
    while others.filter(slug=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _snapshot(resource: Resource) -> dict[str, Any]:
    return {field: _jsonable(getattr(resource, field)) for field in AUDITED_FIELDS}


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _apply(resource: Resource, data: Mapping[str, Any]) -> None:
    for field in SCALAR_FIELDS:
        if field in data:
            value = data[field]
            if field in {"title", "summary", "body", "author_names", "external_url"}:
                value = (value or "").strip()
            setattr(resource, field, value)
    resource.body_html = render_markdown(resource.body)


def _apply_relations(resource: Resource, data: Mapping[str, Any]) -> None:
    for field in M2M_FIELDS:
        if field in data and data[field] is not None:
            values = list(data[field])
            if field in {"related", "translations"}:
                values = [value for value in values if getattr(value, "pk", value) != resource.pk]
            getattr(resource, field).set(values)
    if "tags" in data and data["tags"] is not None:
        resource.tags.set(list(data["tags"]), clear=True)


def _site_url(path: str) -> str:
    return settings.SITE_URL + path


def reviewer_emails(*, exclude: Any = None) -> list[str]:
    """Addresses of the people who review: content reviewers (and, when there are none, site administrators)."""
    users = get_user_model().objects.filter(is_active=True, is_former_member=False)
    if exclude is not None and getattr(exclude, "pk", None):
        users = users.exclude(pk=exclude.pk)
    reviewers = list(
        users.filter(groups__name=GROUP_ROLES[Role.CONTENT_REVIEWER]).values_list("email", flat=True).distinct()
    )
    if not reviewers:
        reviewers = list(
            users.filter(Q(groups__name=GROUP_ROLES[Role.SITE_ADMINISTRATOR]) | Q(is_superuser=True))
            .values_list("email", flat=True)
            .distinct()
        )
    return sorted(set(reviewers))


def _email_after_commit(*, recipients: Sequence[str], subject: str, template: str, context: dict[str, Any]) -> None:
    """Render now, send once the transaction commits (a rolled-back decision sends nothing). One message per
    recipient, so reviewers never see each other's addresses."""
    if not recipients:
        return
    body = render_to_string(template, {"site_name": settings.SITE_NAME, **context})
    full_subject = f"[{settings.SITE_NAME}] {subject}"
    addresses = list(recipients)

    def send() -> None:
        for address in addresses:
            send_mail(full_subject, body, settings.DEFAULT_FROM_EMAIL, [address])

    transaction.on_commit(send)


def _email_uploader(resource: Resource, *, subject: str, template: str, **extra: Any) -> None:
    uploader = resource.created_by
    if uploader is None or not uploader.is_active or not uploader.email:
        return
    _email_after_commit(
        recipients=[uploader.email],
        subject=subject,
        template=template,
        context={
            "name": uploader.display_name,
            "resource": resource,
            "resource_title": resource.title,
            "edit_url": _site_url(reverse("resources:resource_edit", kwargs={"slug": resource.slug})),
            "detail_url": _site_url(resource.get_absolute_url()),
            "my_uploads_url": _site_url(reverse("resources:my_uploads")),
            **extra,
        },
    )


def _email_reviewers(resource: Resource, *, acting_user: Any, resubmitted: bool, message: str = "") -> None:
    _email_after_commit(
        recipients=reviewer_emails(exclude=acting_user),
        subject=(_("Resubmitted for review: %(title)s") if resubmitted else _("New resource to review: %(title)s"))
        % {"title": resource.title},
        template="resources/email/review_requested.txt",
        context={
            "resource_title": resource.title,
            "uploader": acting_user.display_name if getattr(acting_user, "is_authenticated", False) else "",
            "organisation": resource.organisation.name if resource.organisation_id else "",
            "review_url": _site_url(reverse("resources:review_detail", kwargs={"slug": resource.slug})),
            "resubmitted": resubmitted,
            "message": message,
        },
    )


def _locked(resource: Resource) -> Resource:
    return Resource.objects.select_for_update().get(pk=resource.pk)


def _check_version(locked: Resource, expected_version: int | None) -> None:
    if expected_version is not None and locked.edit_version != expected_version:
        raise EditConflict(current=locked)


def _sync(target: Resource, source: Resource) -> None:
    """Copy the saved state onto the caller's instance, so it sees what was written."""
    for field in (*SCALAR_FIELDS, "status", "edit_version", "submitted_at", "published_at", "body_html", "slug",
                  *COVER_FILE_FIELDS, "cover_thumbnail_width", "cover_thumbnail_height", "cover_small_width",
                  "cover_small_height"):
        setattr(target, field, getattr(source, field))


# ------------------------------------------------------------------------------------------------- create / edit


def create_resource(
    *,
    acting_user: Any,
    data: Mapping[str, Any],
    files: Iterable[tuple[Any, CheckedFile | None, str]] = (),
    submit: bool = True,
    publish_now: bool = False,
    cover_image: Any = None,
) -> Resource:
    """Create a resource from metadata (`data`: model fields plus topics, provinces, municipalities, authors,
    related, translations and tags) and its files (`files`: (uploaded file, its CheckedFile or None, slot title)).

    It is "submitted" (reviewers emailed after commit) unless `submit` is False (a draft), or published at once when
    `publish_now` is asked by someone who may publish directly (SALGA staff, reviewers, administrators). Raises
    FileRejected if a file fails its checks; then nothing is kept."""
    now = timezone.now()
    with transaction.atomic():
        resource = Resource(created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None)
        _apply(resource, data)
        resource.slug = unique_slug(resource.title)
        resource.status = Resource.Status.DRAFT
        try:
            with transaction.atomic():
                resource.save()
        except IntegrityError:
            # Two uploads with the same title at the same moment: the second gets a random suffix.
            resource.slug = f"{resource.slug[:250]}-{uuid.uuid4().hex[:8]}"
            resource.save()
        _apply_relations(resource, data)
        for uploaded, checked, title in files:
            add_file_version(
                resource=resource, uploaded_file=uploaded, checked=checked, title=title, acting_user=acting_user
            )
        if cover_image is not None:
            set_cover_image(resource=resource, image_file=cover_image, acting_user=acting_user)
        if publish_now and can_publish_directly(acting_user):
            resource.status = Resource.Status.PUBLISHED
            resource.submitted_at = now
            resource.published_at = now
            resource.save(update_fields=["status", "submitted_at", "published_at", "updated_at"])
            ReviewEvent.objects.create(
                resource=resource, actor=acting_user, kind=ReviewEvent.Kind.PUBLISHED,
                message=_("Published directly by its uploader."),
            )
            record_audit(
                actor=acting_user, action=ACTION_PUBLISHED, target=resource,
                summary=_("Published own resource without review"),
                after={"status": resource.status, "visibility": resource.visibility},
            )
        elif submit:
            resource.status = Resource.Status.SUBMITTED
            resource.submitted_at = now
            resource.save(update_fields=["status", "submitted_at", "updated_at"])
            ReviewEvent.objects.create(resource=resource, actor=acting_user, kind=ReviewEvent.Kind.SUBMITTED)
            _email_reviewers(resource, acting_user=acting_user, resubmitted=False)
        refresh_search_vector(resource.pk)
    return resource


def update_resource(
    *, resource: Resource, acting_user: Any, data: Mapping[str, Any], expected_version: int,
    cover_image: Any = None, remove_cover: bool = False,
) -> Resource:
    """Save edited metadata, but only if nobody saved the resource since the editor loaded it (`expected_version`
    is the edit_version the form was rendered with). On a conflict EditConflict is raised and nothing changes.
    `cover_image` replaces the cover, `remove_cover` removes it; an image that cannot be processed raises
    FileRejected and nothing changes either. Edits by someone other than the uploader (a reviewer) are audit-logged
    and leave an "edited" review event. The slug never changes, so links already shared (and emailed) keep
    working."""
    with transaction.atomic():
        locked = _locked(resource)
        _check_version(locked, expected_version)
        before = _snapshot(locked)
        _apply(locked, data)
        locked.edit_version = locked.edit_version + 1
        locked.save()
        if cover_image is not None:
            set_cover_image(resource=locked, image_file=cover_image, acting_user=acting_user)
        elif remove_cover:
            remove_cover_image(resource=locked)
        _apply_relations(locked, data)
        is_uploader = getattr(acting_user, "pk", None) is not None and acting_user.pk == locked.created_by_id
        if not is_uploader:
            changed_before, changed_after = _changed(before, _snapshot(locked))
            ReviewEvent.objects.create(resource=locked, actor=acting_user, kind=ReviewEvent.Kind.EDITED)
            record_audit(
                actor=acting_user, action=ACTION_EDITED, target=locked,
                summary=_("Edited the metadata of a resource"), before=changed_before, after=changed_after,
            )
        refresh_search_vector(locked.pk)
    _sync(resource, locked)
    return resource


# ------------------------------------------------------------------------------------------------- review


def submit_resource(*, resource: Resource, acting_user: Any, message: str = "") -> Resource:
    """The uploader sends a draft, or an item sent back with requested changes, to review. Reviewers are emailed."""
    with transaction.atomic():
        locked = _locked(resource)
        if locked.status not in (Resource.Status.DRAFT, Resource.Status.CHANGES_REQUESTED):
            raise TransitionError(_("Only a draft or an item sent back for changes can be submitted."))
        resubmitted = locked.status == Resource.Status.CHANGES_REQUESTED
        locked.status = Resource.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        ReviewEvent.objects.create(
            resource=locked, actor=acting_user, kind=ReviewEvent.Kind.SUBMITTED, message=message.strip()[:2000]
        )
        _email_reviewers(locked, acting_user=acting_user, resubmitted=resubmitted, message=message.strip())
    _sync(resource, locked)
    return resource


def _decide(
    *,
    resource: Resource,
    acting_user: Any,
    allowed_from: Iterable[str],
    new_status: str,
    kind: str,
    action: str,
    summary: str,
    message: str,
    expected_version: int | None,
) -> Resource:
    with transaction.atomic():
        locked = _locked(resource)
        _check_version(locked, expected_version)
        if locked.status not in allowed_from:
            raise TransitionError(
                _("This resource is “%(status)s”; that decision does not apply.")
                % {"status": locked.get_status_display()}
            )
        before = {"status": locked.status}
        locked.status = new_status
        fields = ["status", "updated_at"]
        if new_status == Resource.Status.PUBLISHED:
            locked.published_at = locked.published_at or timezone.now()
            fields.append("published_at")
        locked.save(update_fields=fields)
        ReviewEvent.objects.create(resource=locked, actor=acting_user, kind=kind, message=message.strip()[:5000])
        record_audit(
            actor=acting_user, action=action, target=locked, summary=summary,
            before=before, after={"status": new_status, **({"message": message.strip()[:500]} if message else {})},
        )
        if new_status == Resource.Status.PUBLISHED:
            refresh_search_vector(locked.pk)
    _sync(resource, locked)
    return resource


def publish_resource(
    *, resource: Resource, acting_user: Any, message: str = "", expected_version: int | None = None
) -> Resource:
    """A reviewer publishes a submitted item (or republishes an archived one); staff who may publish directly may
    publish their own items from any unpublished status. The uploader is emailed. Text extraction, finished or
    failed, never holds publication up."""
    own = getattr(acting_user, "pk", None) is not None and acting_user.pk == resource.created_by_id
    if can_review(acting_user):
        allowed = [Resource.Status.SUBMITTED, Resource.Status.CHANGES_REQUESTED, Resource.Status.ARCHIVED]
        if own:
            allowed.append(Resource.Status.DRAFT)
    elif own and can_publish_directly(acting_user):
        allowed = [Resource.Status.DRAFT, Resource.Status.SUBMITTED, Resource.Status.CHANGES_REQUESTED]
    else:
        raise PermissionError("Not allowed to publish this resource.")
    result = _decide(
        resource=resource, acting_user=acting_user, allowed_from=allowed,
        new_status=Resource.Status.PUBLISHED, kind=ReviewEvent.Kind.PUBLISHED, action=ACTION_PUBLISHED,
        summary=_("Published a resource"), message=message, expected_version=expected_version,
    )
    if not own:
        _email_uploader(
            result, subject=_("Your resource is published: %(title)s") % {"title": result.title},
            template="resources/email/resource_published.txt", message=message.strip(),
        )
    return result


def request_changes(
    *, resource: Resource, acting_user: Any, message: str, expected_version: int | None = None
) -> Resource:
    """A reviewer sends a submitted item back to its uploader with a message (emailed), who edits and resubmits."""
    if not can_review(acting_user):
        raise PermissionError("Not allowed to review.")
    if not message.strip():
        raise ValueError("A message is needed when asking for changes.")
    result = _decide(
        resource=resource, acting_user=acting_user, allowed_from=[Resource.Status.SUBMITTED],
        new_status=Resource.Status.CHANGES_REQUESTED, kind=ReviewEvent.Kind.CHANGES_REQUESTED,
        action=ACTION_CHANGES_REQUESTED, summary=_("Asked the uploader for changes"), message=message,
        expected_version=expected_version,
    )
    _email_uploader(
        result, subject=_("Changes requested: %(title)s") % {"title": result.title},
        template="resources/email/changes_requested.txt", message=message.strip(),
    )
    return result


def reject_resource(
    *, resource: Resource, acting_user: Any, reason: str, expected_version: int | None = None
) -> Resource:
    """A reviewer turns down a submitted item, giving a reason (emailed to the uploader)."""
    if not can_review(acting_user):
        raise PermissionError("Not allowed to review.")
    if not reason.strip():
        raise ValueError("A reason is needed when rejecting.")
    result = _decide(
        resource=resource, acting_user=acting_user,
        allowed_from=[Resource.Status.SUBMITTED, Resource.Status.CHANGES_REQUESTED, Resource.Status.DRAFT],
        new_status=Resource.Status.REJECTED, kind=ReviewEvent.Kind.REJECTED, action=ACTION_REJECTED,
        summary=_("Rejected a resource"), message=reason, expected_version=expected_version,
    )
    _email_uploader(
        result, subject=_("Not published: %(title)s") % {"title": result.title},
        template="resources/email/resource_rejected.txt", message=reason.strip(),
    )
    return result


def archive_resource(*, resource: Resource, acting_user: Any, reason: str = "") -> Resource:
    """A reviewer withdraws a published item from the library (it stays in the database and can be republished)."""
    if not can_review(acting_user):
        raise PermissionError("Not allowed to review.")
    return _decide(
        resource=resource, acting_user=acting_user, allowed_from=[Resource.Status.PUBLISHED],
        new_status=Resource.Status.ARCHIVED, kind=ReviewEvent.Kind.ARCHIVED, action=ACTION_ARCHIVED,
        summary=_("Archived a resource"), message=reason, expected_version=None,
    )


# ------------------------------------------------------------------------------------------------- cover image


def _jpeg(image: Any, box: tuple[int, int]) -> tuple[bytes, int, int]:
    """A copy of `image` fitted inside `box` (aspect kept, never enlarged), as JPEG bytes, with its size."""
    copy = image.copy()
    copy.thumbnail(box)
    if copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    output = io.BytesIO()
    copy.save(output, format="JPEG", quality=82, optimize=True)
    return output.getvalue(), copy.width, copy.height


def set_cover_image(*, resource: Resource, image_file: Any, acting_user: Any) -> Resource:
    """Store a cover image (PNG or JPEG, checked by its bytes) with two JPEG copies: a thumbnail of at most 480x480
    pixels (detail page) and a small one of at most 160x160 (result lists), and their sizes. Images with more pixels
    than RESOURCES_MAX_IMAGE_PIXELS (decompression bombs) are refused with FileRejected; nothing is stored then."""
    from PIL import Image, ImageOps

    from resources.validation import check_uploaded_file

    checked = check_uploaded_file(image_file)
    if checked.kind.family != "image":
        raise FileRejected(_("The cover image must be a PNG or JPEG image."), code="cover_type")
    Image.MAX_IMAGE_PIXELS = image_pixel_limit()
    image_file.seek(0)
    try:
        with Image.open(getattr(image_file, "file", image_file)) as image:
            image = ImageOps.exif_transpose(image)
            thumbnail, thumbnail_width, thumbnail_height = _jpeg(image, THUMBNAIL_SIZE)
            small, small_width, small_height = _jpeg(image, SMALL_COVER_SIZE)
    except Image.DecompressionBombError as error:
        raise FileRejected(
            _("The cover image has too many pixels to be processed safely. Use a smaller image."),
            code="image_too_large",
        ) from error
    except (OSError, ValueError) as error:
        raise FileRejected(_("The cover image could not be read. Use a PNG or JPEG image."), code="cover_type") from error
    image_file.seek(0)
    name = uuid.uuid4().hex
    replaced = _cover_names(resource)
    resource.cover_image.save(f"{name}.{checked.extension}", image_file, save=False)
    resource.cover_thumbnail.save(f"{name}.jpg", ContentFile(thumbnail), save=False)
    resource.cover_small.save(f"{name}.jpg", ContentFile(small), save=False)
    resource.cover_thumbnail_width, resource.cover_thumbnail_height = thumbnail_width, thumbnail_height
    resource.cover_small_width, resource.cover_small_height = small_width, small_height
    Resource.objects.filter(pk=resource.pk).update(
        cover_image=resource.cover_image.name,
        cover_thumbnail=resource.cover_thumbnail.name,
        cover_thumbnail_width=thumbnail_width,
        cover_thumbnail_height=thumbnail_height,
        cover_small=resource.cover_small.name,
        cover_small_width=small_width,
        cover_small_height=small_height,
    )
    _delete_after_commit(replaced)
    return resource


COVER_FILE_FIELDS = ("cover_image", "cover_thumbnail", "cover_small")


def _cover_names(resource: Resource) -> list[tuple[Any, str]]:
    return [(getattr(resource, field).storage, getattr(resource, field).name)
            for field in COVER_FILE_FIELDS if getattr(resource, field)]


def _delete_after_commit(stored: list[tuple[Any, str]]) -> None:
    """Delete replaced or removed cover files once the change is committed (kept if it rolls back)."""

    def delete() -> None:
        for storage, name in stored:
            try:
                storage.delete(name)
            except OSError:  # a file already gone is not an error; the database no longer points at it
                logger.warning("could not delete the old cover file %s", name)

    if stored:
        transaction.on_commit(delete)


def remove_cover_image(*, resource: Resource) -> Resource:
    """Take the cover image off a resource: its three stored files are deleted once this is committed."""
    stored = _cover_names(resource)
    for field in COVER_FILE_FIELDS:
        setattr(resource, field, "")
    resource.cover_thumbnail_width = resource.cover_thumbnail_height = None
    resource.cover_small_width = resource.cover_small_height = None
    Resource.objects.filter(pk=resource.pk).update(
        cover_image="", cover_thumbnail="", cover_small="", cover_thumbnail_width=None, cover_thumbnail_height=None,
        cover_small_width=None, cover_small_height=None,
    )
    _delete_after_commit(stored)
    return resource
