"""One predicate per question about what a person may do in the resource centre. Views, templates and services ask
these; which *published* resources a person may see is `Resource.objects.visible_to(user)` (resources/models.py)."""

from __future__ import annotations

from typing import Any

from hub.permissions import (
    can_see_internal_content,
    is_content_reviewer,
    is_member,
    is_salga_staff,
    is_site_administrator,
)

# Statuses in which the uploader may still change their item (a published item is changed by reviewers only).
UPLOADER_EDITABLE_STATUSES = frozenset({"draft", "changes_requested", "submitted"})


def can_upload(user: Any) -> bool:
    """Members (verified email) and everyone above them may contribute resources."""
    return is_member(user)


def can_review(user: Any) -> bool:
    """Content reviewers and site administrators work the review queue and publish, request changes or reject."""
    return is_member(user) and (is_content_reviewer(user) or is_site_administrator(user))


def can_publish_directly(user: Any) -> bool:
    """SALGA staff, reviewers and administrators may publish their own items without review."""
    return is_member(user) and (is_salga_staff(user) or is_content_reviewer(user) or is_site_administrator(user))


def can_view_overdue(user: Any) -> bool:
    """The list of items past their review-by date is for staff who keep the library current."""
    return can_review(user) or (is_member(user) and is_salga_staff(user))


def _is_uploader(user: Any, resource: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and resource.created_by_id is not None
        and resource.created_by_id == user.pk
    )


def can_edit_resource(user: Any, resource: Any) -> bool:
    """Reviewers may always edit. The uploader may edit while the item is a draft, submitted or sent back."""
    if can_review(user):
        return True
    return can_upload(user) and _is_uploader(user, resource) and resource.status in UPLOADER_EDITABLE_STATUSES


def can_view_unpublished(user: Any, resource: Any) -> bool:
    """Who may see an item that is not (or no longer) published: its uploader and reviewers."""
    if can_review(user):
        return True
    return can_upload(user) and _is_uploader(user, resource)


def can_view_resource(user: Any, resource: Any) -> bool:
    """Published and visible to the person, or unpublished and theirs (or they review)."""
    from resources.models import Resource

    if resource.status == Resource.Status.PUBLISHED and _visibility_allows(user, resource.visibility):
        return True
    return can_view_unpublished(user, resource)


def _visibility_allows(user: Any, visibility: str) -> bool:
    # Mirrors ResourceQuerySet.visible_to for one already-loaded item (no extra query).
    if visibility == "public":
        return True
    if visibility == "members":
        return is_member(user)
    if visibility == "internal":
        return can_see_internal_content(user)
    return False


def can_download(user: Any, file: Any) -> bool:
    """A file (ResourceFile or FileVersion) may be fetched by whoever may see its resource."""
    from resources.models import FileVersion, Resource

    resource_file = file.file if isinstance(file, FileVersion) else file
    resource = resource_file.resource
    if Resource.objects.visible_to(user).filter(pk=resource.pk).exists():
        return True
    return can_view_unpublished(user, resource)


def can_resubmit(user: Any, resource: Any) -> bool:
    """The uploader sends an item back to review after changes were requested (or submits a draft)."""
    return _is_uploader(user, resource) and can_upload(user) and resource.status in {"draft", "changes_requested"}
