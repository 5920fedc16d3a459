"""My library (/resources/library/, members): saved resources and saved searches with an optional weekly email
digest. Saving works with plain HTML forms (POST, then a redirect back with a message); no JavaScript needed.

Visitors are sent to log in (and brought back); signed-in people whose email address is not verified are asked to
verify it (403). Someone else's saved search answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hub import permissions
from hub.views.people import member_required
from resources import selectors_lists
from resources.forms_lists import NewSavedSearchForm, SavedSearchForm
from resources.models import Resource, SavedResource, SavedSearch
from resources.services import library as library_services

PAGE_SIZE = 25


def _library_crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [
        (_("Resources"), reverse("resources:resource_list")),
        (_("My library"), reverse("resources:my_library") if extra else None),
        *extra,
    ]


@member_required
@require_http_methods(["GET"])
def my_library(request: HttpRequest) -> HttpResponse:
    """The member's saved resources (only those they may still see; the others are counted) and saved searches."""
    saved = selectors_lists.saved_resources_for(user=request.user)
    page_obj = Paginator(saved, PAGE_SIZE).get_page(request.GET.get("page"))
    searches = [
        (saved_search, library_services.search_url(saved_search))
        for saved_search in selectors_lists.saved_searches_for(user=request.user)
    ]
    return render(
        request,
        "resources/my_library.html",
        {
            "page_obj": page_obj,
            "saved_items": page_obj.object_list,
            "hidden_count": selectors_lists.hidden_saved_count(user=request.user),
            "saved_searches": searches,
            "crumbs": _library_crumbs(),
        },
    )


def _login_then(url: str) -> HttpResponse:
    return redirect_to_login(url)


@require_http_methods(["GET", "POST"])
def saved_search_create(request: HttpRequest) -> HttpResponse:
    """Save a search. GET /resources/library/searches/?<the search's query string> shows a form to name it; the
    search page may also POST `query_string` (and optionally `name`, `email_digest`) here directly."""
    if request.method == "GET":
        query_string = request.GET.urlencode()
    else:
        query_string = request.POST.get("query_string", "")
    normalised = library_services.normalise_query_string(query_string)
    form_url = reverse("resources:saved_search_create") + (f"?{normalised}" if normalised else "")
    if not request.user.is_authenticated:
        return _login_then(form_url)
    if not permissions.is_member(request.user):
        return render(request, "hub/email_verification_required.html", status=403)

    if request.method == "POST":
        form = NewSavedSearchForm(request.POST)
        if form.is_valid():
            saved_search, created = library_services.save_search(
                user=request.user,
                query_string=form.cleaned_data["query_string"],
                name=form.cleaned_data["name"],
                email_digest=form.cleaned_data["email_digest"],
            )
            if created:
                messages.success(
                    request, _("Search saved to your library as “%(name)s”.") % {"name": saved_search.name}
                )
            else:
                messages.info(
                    request,
                    _("This search was already in your library as “%(name)s”.") % {"name": saved_search.name},
                )
            return redirect(library_services.search_url(saved_search))
        status = 400
    else:
        form = NewSavedSearchForm(
            initial={"query_string": normalised, "name": library_services.describe_query_string(normalised)}
        )
        status = 200
    return render(
        request,
        "resources/saved_search_form.html",
        {
            "form": form,
            "is_new": True,
            "search_url": reverse("resources:resource_list") + (f"?{normalised}" if normalised else ""),
            "description": library_services.describe_query_string(normalised),
            "crumbs": _library_crumbs((_("Save a search"), None)),
        },
        status=status,
    )


@member_required
@require_http_methods(["GET", "POST"])
def saved_search_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a saved search, turn its weekly digest on or off, or delete it (a POST with `delete`)."""
    saved_search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    if request.method == "POST" and "delete" in request.POST:
        library_services.delete_saved_search(saved_search=saved_search, user=request.user)
        messages.success(request, _("Saved search “%(name)s” deleted.") % {"name": saved_search.name})
        return redirect("resources:my_library")
    form = SavedSearchForm(
        request.POST or None, initial={"name": saved_search.name, "email_digest": saved_search.email_digest}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            library_services.update_saved_search(
                saved_search=saved_search,
                user=request.user,
                name=form.cleaned_data["name"],
                email_digest=form.cleaned_data["email_digest"],
            )
            messages.success(request, _("Saved search updated."))
            return redirect("resources:my_library")
        status = 400
    return render(
        request,
        "resources/saved_search_form.html",
        {
            "form": form,
            "is_new": False,
            "saved_search": saved_search,
            "search_url": library_services.search_url(saved_search),
            "description": library_services.describe_query_string(saved_search.query_string),
            "crumbs": _library_crumbs((saved_search.name, None)),
        },
        status=status,
    )


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


@require_http_methods(["GET", "POST"])
def toggle_saved(request: HttpRequest, slug: str) -> HttpResponse:
    """POST /resources/<slug>/save/ with `action` "save" or "remove" (idempotent; without `action` the saved state
    is flipped), then back to `next` (same site only) or the resource, with a message. Visitors are sent to log
    in and come back to the resource. 404 for a resource the person may not see (removing an item you saved
    earlier works even if it is no longer visible to you)."""
    detail_url = reverse("resources:resource_detail", kwargs={"slug": slug})
    if request.method == "GET":
        return redirect(detail_url)
    if not request.user.is_authenticated:
        return _login_then(detail_url)
    if not permissions.is_member(request.user):
        return render(request, "hub/email_verification_required.html", status=403)

    action = request.POST.get("action", "")
    if action not in {"save", "remove", ""}:
        action = ""
    visible = Resource.objects.visible_to(request.user).filter(slug=slug).first()
    if visible is None:
        saved = (
            SavedResource.objects.filter(user=request.user, resource__slug=slug)
            .select_related("resource")
            .first()
        )
        if saved is None or action == "save":
            raise Http404
        resource = saved.resource
        action = "remove"
    else:
        resource = visible
    if not action:
        action = "remove" if selectors_lists.is_saved(user=request.user, resource=resource) else "save"

    if action == "save":
        library_services.save_resource(user=request.user, resource=resource)
        messages.success(request, _("“%(title)s” is saved in your library.") % {"title": resource.title})
    else:
        library_services.unsave_resource(user=request.user, resource=resource)
        messages.success(request, _("“%(title)s” was removed from your library.") % {"title": resource.title})
    return _back(
        request, resource.get_absolute_url() if visible is not None else reverse("resources:my_library")
    )
