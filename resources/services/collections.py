"""Collections: curated, ordered lists of resources with an introduction ("MFMA toolkit", "Drought response"), kept
by SALGA staff. Every change is audit-logged; the introduction is rendered once, on write, with render_markdown.

Which collections and which of their items a person sees is decided when reading (resources/selectors are not
involved): a collection must be published, and only items whose resource is `visible_to(user)` are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hub import permissions
from hub.services.audit import record_audit
from resources.markdown import render_markdown
from resources.models import Collection, CollectionItem, Resource

COLLECTION_CREATED = "collection.created"
COLLECTION_UPDATED = "collection.updated"
COLLECTION_DELETED = "collection.deleted"
COLLECTION_ITEM_ADDED = "collection.item_added"
COLLECTION_ITEM_REMOVED = "collection.item_removed"
COLLECTION_REORDERED = "collection.reordered"

EDITABLE_FIELDS = ("title", "introduction", "is_featured", "is_published")


def can_manage_collections(user: Any) -> bool:
    """SALGA staff, content reviewers and site administrators curate collections."""
    return permissions.is_member(user) and (
        permissions.is_salga_staff(user)
        or permissions.is_content_reviewer(user)
        or permissions.is_site_administrator(user)
    )


def _require_manager(user: Any) -> None:
    # acting_user=None is the system itself (demo seeding, management commands).
    if user is not None and not can_manage_collections(user):
        raise PermissionDenied


def unique_collection_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """A slug from the title (accents folded: "Khâi-Ma" -> "khai-ma"), made unique with -2, -3... if taken."""
    base = slugify(title)[:190] or "collection"
    slug = base
    number = 2
    existing = Collection.objects.exclude(pk=exclude_pk) if exclude_pk else Collection.objects.all()
    while existing.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


@transaction.atomic
def create_collection(
    *,
    title: str,
    acting_user: Any,
    introduction: str = "",
    is_featured: bool = False,
    is_published: bool = True,
    slug: str = "",
) -> Collection:
    """Create a collection (slug from the title unless given), rendering its introduction. Writes
    "collection.created" to the audit log. Raises PermissionDenied for anyone who may not curate."""
    _require_manager(acting_user)
    collection = Collection.objects.create(
        title=title,
        slug=slug or unique_collection_slug(title),
        introduction=introduction,
        introduction_html=render_markdown(introduction),
        is_featured=is_featured,
        is_published=is_published,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    record_audit(
        actor=acting_user,
        action=COLLECTION_CREATED,
        target=collection,
        summary=_("Collection “%(title)s” created") % {"title": collection.title},
        after={field: getattr(collection, field) for field in EDITABLE_FIELDS},
    )
    return collection


@transaction.atomic
def update_collection(*, collection: Collection, acting_user: Any, **changes: Any) -> Collection:
    """Change any of title, introduction, is_featured, is_published (other keys raise TypeError). Re-renders the
    introduction when it changes; writes "collection.updated" with the fields that changed (nothing is written when
    nothing changed)."""
    _require_manager(acting_user)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_collection() cannot change {', '.join(sorted(unknown))}")
    collection = Collection.objects.select_for_update().get(pk=collection.pk)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in changes.items():
        if getattr(collection, field) != value:
            before[field] = getattr(collection, field)
            after[field] = value
            setattr(collection, field, value)
    if not after:
        return collection
    if "introduction" in after:
        collection.introduction_html = render_markdown(collection.introduction)
    collection.save()
    record_audit(
        actor=acting_user,
        action=COLLECTION_UPDATED,
        target=collection,
        summary=_("Collection “%(title)s” changed: %(fields)s")
        % {"title": collection.title, "fields": ", ".join(sorted(after))},
        before=before,
        after=after,
    )
    return collection


@transaction.atomic
def delete_collection(*, collection: Collection, acting_user: Any) -> None:
    """Delete a collection and its items (the resources themselves stay). Audit-logged."""
    _require_manager(acting_user)
    record_audit(
        actor=acting_user,
        action=COLLECTION_DELETED,
        target=collection,
        summary=_("Collection “%(title)s” deleted") % {"title": collection.title},
        before={
            "title": collection.title,
            "items": list(collection.items.values_list("resource_id", flat=True)),
        },
    )
    collection.delete()


@transaction.atomic
def add_collection_item(
    *, collection: Collection, resource: Resource, acting_user: Any, note: str = ""
) -> CollectionItem:
    """Append `resource` at the end of the collection (or update the note if it is already there: idempotent).
    Any resource may be added, whatever its visibility; readers only ever see the items visible to them.
    Writes "collection.item_added"."""
    _require_manager(acting_user)
    Collection.objects.select_for_update().filter(
        pk=collection.pk
    ).first()  # serialise appends per collection
    last = CollectionItem.objects.filter(collection=collection).aggregate(last=Max("position"))["last"]
    try:
        with transaction.atomic():
            item, created = CollectionItem.objects.get_or_create(
                collection=collection,
                resource=resource,
                defaults={"position": (last + 1) if last is not None else 0, "note": note},
            )
    except IntegrityError:  # a concurrent add of the same resource won
        item, created = CollectionItem.objects.get(collection=collection, resource=resource), False
    if not created and note and item.note != note:
        item.note = note
        item.save(update_fields=["note"])
    if created:
        record_audit(
            actor=acting_user,
            action=COLLECTION_ITEM_ADDED,
            target=collection,
            summary=_("“%(resource)s” added to collection “%(title)s”")
            % {"resource": resource.title, "title": collection.title},
            after={"resource": resource.pk, "position": item.position},
        )
    return item


@transaction.atomic
def remove_collection_item(*, collection: Collection, resource: Resource, acting_user: Any) -> bool:
    """Take `resource` out of the collection. Returns False (and writes nothing) if it was not there."""
    _require_manager(acting_user)
    deleted, _per_model = CollectionItem.objects.filter(collection=collection, resource=resource).delete()
    if deleted:
        record_audit(
            actor=acting_user,
            action=COLLECTION_ITEM_REMOVED,
            target=collection,
            summary=_("“%(resource)s” removed from collection “%(title)s”")
            % {"resource": resource.title, "title": collection.title},
            before={"resource": resource.pk},
        )
    return bool(deleted)


@transaction.atomic
def reorder_collection(*, collection: Collection, resource_ids: Sequence[int], acting_user: Any) -> None:
    """Put the collection's items in the order of `resource_ids` (positions 0, 1, 2...). Items not named keep their
    relative order after the named ones; ids that are not in the collection are ignored. Writes
    "collection.reordered" with the old and new order."""
    _require_manager(acting_user)
    Collection.objects.select_for_update().filter(pk=collection.pk).first()
    items = list(CollectionItem.objects.filter(collection=collection).order_by("position", "id"))
    before = [item.resource_id for item in items]
    by_resource = {item.resource_id: item for item in items}
    wanted = [pk for pk in dict.fromkeys(int(pk) for pk in resource_ids) if pk in by_resource]
    order = wanted + [resource_id for resource_id in before if resource_id not in set(wanted)]
    if order == before and all(item.position == index for index, item in enumerate(items)):
        return
    for position, resource_id in enumerate(order):
        by_resource[resource_id].position = position
    CollectionItem.objects.bulk_update(items, ["position"])
    record_audit(
        actor=acting_user,
        action=COLLECTION_REORDERED,
        target=collection,
        summary=_("Collection “%(title)s” reordered") % {"title": collection.title},
        before={"order": before},
        after={"order": order},
    )
