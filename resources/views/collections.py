"""Collections: /resources/collections/ (the list) and /resources/collections/<slug>/ (one collection, its items in
curated order). Open to everyone; each person sees only the items visible to them.

Curators (SALGA staff, content reviewers, site administrators) also see unpublished collections and keep them on
the same pages with plain forms (no JavaScript): create a collection on the list; on a collection, change its title,
introduction, featured and published flags, add a resource by its address, move items up or down, remove them, or
delete the collection. Every change goes through resources.services.collections (audit-logged). Anyone else who
POSTs gets 404 (nothing to curate here), and nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from resources import selectors_lists
from resources.forms_lists import CollectionForm, CollectionItemForm, NewCollectionForm
from resources.models import Collection, CollectionItem, Resource
from resources.services import collections as collection_services
from resources.services.collections import can_manage_collections


def _admin_url(request: HttpRequest, name: str, *args: object) -> str:
    # Django admin is there too, for people who may use it; no link for anyone else.
    if not (request.user.is_staff and request.user.has_perm(f"resources.{name}_collection")):
        return ""
    try:
        return reverse(f"admin:resources_collection_{name}", args=args)
    except NoReverseMatch:
        return ""


def _list_crumbs() -> list[tuple[str, str | None]]:
    return [(_("Resources"), reverse("resources:resource_list")), (_("Collections"), None)]


@require_http_methods(["GET", "POST"])
def collection_list(request: HttpRequest) -> HttpResponse:
    """Published collections with the number of items the person may see, featured ones first. Curators may POST
    a title to create a (not yet published) collection."""
    can_manage = can_manage_collections(request.user)
    new_form = NewCollectionForm(request.POST or None, prefix="new") if can_manage else None
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise Http404
        assert new_form is not None
        if new_form.is_valid():
            collection = collection_services.create_collection(
                title=new_form.cleaned_data["title"], is_published=False, acting_user=request.user
            )
            messages.success(
                request,
                _("Collection “%(title)s” created. Add resources, then publish it.")
                % {"title": collection.title},
            )
            return redirect(collection.get_absolute_url())
        status = 400
    return render(
        request,
        "resources/collection_list.html",
        {
            "collections": list(selectors_lists.collections_for(user=request.user)),
            "can_manage": can_manage,
            "form": new_form,
            "crumbs": _list_crumbs(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def collection_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One collection: introduction and its items in order (only those visible to the person). 404 for an
    unknown or unpublished collection (unless the person curates collections)."""
    try:
        collection = selectors_lists.get_collection(user=request.user, slug=slug)
    except Collection.DoesNotExist:
        raise Http404 from None
    can_manage = can_manage_collections(request.user)
    if request.method == "POST" and not can_manage:
        raise Http404

    edit_form = item_form = None
    status = 200
    if can_manage:
        visible = Resource.objects.visible_to(request.user)
        edit_form = CollectionForm(
            request.POST if request.POST.get("action") == "update" else None,
            prefix="collection",
            initial={
                "title": collection.title,
                "introduction": collection.introduction,
                "is_featured": collection.is_featured,
                "is_published": collection.is_published,
            },
        )
        item_form = CollectionItemForm(
            request.POST if request.POST.get("action") == "add" else None, prefix="item", queryset=visible
        )
        if request.method == "POST":
            response = _curate(request, collection, edit_form=edit_form, item_form=item_form, visible=visible)
            if response is not None:
                return response
            status = 400

    return render(
        request,
        "resources/collection_detail.html",
        {
            "collection": collection,
            "items": selectors_lists.collection_items(user=request.user, collection=collection),
            "can_manage": can_manage,
            "edit_form": edit_form,
            "item_form": item_form,
            "admin_url": _admin_url(request, "change", collection.pk),
            "crumbs": [
                (_("Resources"), reverse("resources:resource_list")),
                (_("Collections"), reverse("resources:collection_list")),
                (collection.title, None),
            ],
        },
        status=status,
    )


def _curate(
    request: HttpRequest,
    collection: Collection,
    *,
    edit_form: CollectionForm,
    item_form: CollectionItemForm,
    visible,
) -> HttpResponse | None:
    """Apply one curator action; a redirect on success, None to show the page again with the form's errors."""
    action = request.POST.get("action", "")
    user = request.user
    if action == "update":
        if not edit_form.is_valid():
            return None
        collection = collection_services.update_collection(
            collection=collection, acting_user=user, **edit_form.cleaned_data
        )
        messages.success(request, _("Collection saved."))
        return redirect(collection.get_absolute_url())
    if action == "add":
        if not item_form.is_valid():
            return None
        resource = item_form.cleaned_data["resource"]
        collection_services.add_collection_item(
            collection=collection, resource=resource, note=item_form.cleaned_data["note"], acting_user=user
        )
        messages.success(request, _("“%(title)s” added to the collection.") % {"title": resource.title})
        return redirect(collection.get_absolute_url())
    if action in {"remove", "up", "down"}:
        item = (
            CollectionItem.objects.filter(
                collection=collection, resource_id=_int(request.POST.get("resource"))
            )
            .select_related("resource")
            .first()
        )
        if item is None:
            raise Http404
        if action == "remove":
            collection_services.remove_collection_item(
                collection=collection, resource=item.resource, acting_user=user
            )
            messages.success(
                request, _("“%(title)s” removed from the collection.") % {"title": item.resource.title}
            )
        else:
            order = list(
                CollectionItem.objects.filter(collection=collection)
                .order_by("position", "id")
                .values_list("resource_id", flat=True)
            )
            index = order.index(item.resource_id)
            target = index - 1 if action == "up" else index + 1
            if 0 <= target < len(order):
                order[index], order[target] = order[target], order[index]
                collection_services.reorder_collection(
                    collection=collection, resource_ids=order, acting_user=user
                )
        return redirect(collection.get_absolute_url() + f"#item-{item.resource_id}")
    if action == "delete":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick “Yes, delete this collection” to delete it."))
            return redirect(collection.get_absolute_url() + "#delete-collection-title")
        title = collection.title
        collection_services.delete_collection(collection=collection, acting_user=user)
        messages.success(request, _("Collection “%(title)s” deleted.") % {"title": title})
        return redirect("resources:collection_list")
    raise Http404


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None
