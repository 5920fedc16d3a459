"""Contributing resources: the upload form, "My uploads", editing (optimistic locking) and new file versions.

The upload views stream files to disk through resources.uploads.HashingUploadHandler. Changing a request's upload
handlers must happen before anything reads request.POST, and the CSRF check reads it, so each of these views is
`csrf_exempt` on the outside (where the handler is installed) and `csrf_protect` on the inside."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from resources import permissions
from resources.forms import FileVersionForm, ResourceEditForm, ResourceUploadForm
from resources.models import Resource, ReviewEvent
from resources.services import files as file_services
from resources.services import publishing
from resources.validation import FileRejected
from resources.uploads import use_streaming_uploads

UPLOADS_PER_PAGE = 20


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Resources"), reverse("resources:resource_list")), *items]


def _deny_unless_uploader(request: HttpRequest) -> HttpResponse | None:
    """Visitors go to sign in; signed-in people whose email is not verified are told to verify it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_upload(request.user):
        return render(request, "resources/upload_verification_required.html", status=403)
    return None


def _file_title(original_name: str) -> str:
    stem, dot, extension = original_name.rpartition(".")
    return f"{stem} ({extension.upper()})" if dot and stem else original_name


# --------------------------------------------------------------------------------------------------- create


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def resource_create(request: HttpRequest) -> HttpResponse:
    denied = _deny_unless_uploader(request)
    if denied is not None:
        return denied
    if request.method == "POST":
        use_streaming_uploads(request)
    return _resource_create(request)


@csrf_protect
def _resource_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ResourceUploadForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            files = [(uploaded, checked, _file_title(checked.original_name)) for uploaded, checked in form.cleaned_data["files"]]
            publish_now = bool(form.cleaned_data.get("publish_now"))
            resource = publishing.create_resource(
                acting_user=user,
                data=form.service_data(),
                files=files,
                submit=True,
                publish_now=publish_now,
                cover_image=form.cleaned_data.get("cover_image"),
            )
            if resource.status == Resource.Status.PUBLISHED:
                messages.success(request, _("“%(title)s” is published.") % {"title": resource.title})
                return redirect(resource.get_absolute_url())
            messages.success(
                request,
                _("Thank you. “%(title)s” has been sent for review. We will email you when a reviewer has looked at "
                  "it; you can follow it here.") % {"title": resource.title},
            )
            return redirect("resources:my_uploads")
    else:
        form = ResourceUploadForm(user=user)
    return render(
        request,
        "resources/resource_form.html",
        {
            "form": form,
            "is_new": True,
            "crumbs": _crumbs((_("Share a resource"), None)),
        },
    )


# --------------------------------------------------------------------------------------------------- my uploads


@require_http_methods(["GET", "HEAD"])
def my_uploads(request: HttpRequest) -> HttpResponse:
    denied = _deny_unless_uploader(request)
    if denied is not None:
        return denied
    uploads = (
        Resource.objects.editable_by(request.user)
        .order_by("-created_at", "-id")
        .prefetch_related(
            Prefetch(
                "review_events",
                queryset=ReviewEvent.objects.exclude(kind=ReviewEvent.Kind.EDITED).order_by("-created_at", "-id"),
                to_attr="history",
            )
        )
    )
    page_obj = Paginator(uploads, UPLOADS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for resource in page_obj:
        last_decision = next(
            (event for event in resource.history
             if event.kind in (ReviewEvent.Kind.CHANGES_REQUESTED, ReviewEvent.Kind.REJECTED)),
            None,
        )
        rows.append(
            {
                "resource": resource,
                "last_decision": last_decision if resource.status in (
                    Resource.Status.CHANGES_REQUESTED, Resource.Status.REJECTED
                ) else None,
                "may_edit": permissions.can_edit_resource(request.user, resource),
            }
        )
    return render(
        request,
        "resources/my_uploads.html",
        {"page_obj": page_obj, "rows": rows, "crumbs": _crumbs((_("My uploads"), None))},
    )


# --------------------------------------------------------------------------------------------------- edit


def _resource_for_editing(request: HttpRequest, slug: str) -> Resource:
    """The resource, if the person may edit it. Someone who may see it but not edit it gets 403; anyone else 404."""
    resource = get_object_or_404(Resource.objects.select_related("created_by", "superseded_by"), slug=slug)
    if permissions.can_edit_resource(request.user, resource):
        return resource
    if permissions.can_view_resource(request.user, resource) and request.user.is_authenticated:
        raise PermissionDenied
    raise Http404


@require_http_methods(["GET", "HEAD", "POST"])
def resource_edit(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    resource = _resource_for_editing(request, slug)
    user = request.user
    is_uploader = resource.created_by_id == user.pk
    may_submit = is_uploader and resource.status in (Resource.Status.DRAFT, Resource.Status.CHANGES_REQUESTED)
    conflict: Resource | None = None
    if request.method == "POST":
        form = ResourceEditForm(request.POST, request.FILES, instance=resource, user=user)
        saved = False
        if form.is_valid():
            try:
                publishing.update_resource(
                    resource=resource,
                    acting_user=user,
                    data=form.service_data(),
                    expected_version=form.cleaned_data["edit_version"],
                    cover_image=form.cleaned_data.get("cover_image"),
                    remove_cover=bool(form.cleaned_data.get("remove_cover")),
                )
            except publishing.EditConflict as error:
                conflict = error.current
            except FileRejected as error:
                form.add_error("cover_image", error.messages)
            else:
                saved = True
        if saved:
            if may_submit and request.POST.get("action") == "submit":
                publishing.submit_resource(
                    resource=resource, acting_user=user, message=request.POST.get("note", "")[:2000]
                )
                messages.success(
                    request, _("Your changes are saved and “%(title)s” is back with the reviewers.")
                    % {"title": resource.title},
                )
                return redirect("resources:my_uploads")
            messages.success(request, _("Your changes are saved."))
            if permissions.can_review(user) and not is_uploader:
                return redirect("resources:review_detail", slug=resource.slug)
            return redirect("resources:my_uploads")
        if conflict is not None:
            # Keep what the person typed, but from now on against the saved version: a second "Save" is a
            # deliberate choice made after seeing what changed.
            data = request.POST.copy()
            data["edit_version"] = str(conflict.edit_version)
            # Validating a ModelForm writes the typed values onto its instance, so the form gets its own copy and
            # `conflict` keeps what is really saved, for the comparison shown on the page.
            fresh = Resource.objects.select_related("created_by", "superseded_by").get(pk=conflict.pk)
            form = ResourceEditForm(data, instance=Resource.objects.get(pk=conflict.pk), user=user)
            form.is_valid()
            form.add_error(
                None,
                _("Someone else saved changes to this resource while you were editing it, so your changes have NOT "
                  "been saved. Compare with what is saved now (below the form), then save again if your changes "
                  "should replace them."),
            )
            conflict = fresh
    else:
        form = ResourceEditForm(instance=resource, user=user)
    return render(
        request,
        "resources/resource_form.html",
        {
            "form": form,
            "is_new": False,
            "resource": resource,
            "conflict": conflict,
            "may_submit": may_submit,
            "is_reviewer": permissions.can_review(user),
            "crumbs": _crumbs(
                (_("My uploads"), reverse("resources:my_uploads")) if is_uploader
                else (_("Review"), reverse("resources:review_queue")),
                (_("Edit “%(title)s”") % {"title": resource.title}, None),
            ),
        },
    )


# --------------------------------------------------------------------------------------------------- versions


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def file_version_create(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    resource = _resource_for_editing(request, slug)
    if request.method == "POST":
        use_streaming_uploads(request)
    return _file_version_create(request, resource)


@csrf_protect
def _file_version_create(request: HttpRequest, resource: Resource) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = FileVersionForm(request.POST, request.FILES, resource=resource, user=user)
        if form.is_valid():
            (uploaded, checked), = form.cleaned_data["file"]
            slot = form.resource_file()
            if slot is None:
                version = file_services.add_file_version(
                    resource=resource, uploaded_file=uploaded, checked=checked, acting_user=user,
                    title=form.cleaned_data["title"] or _file_title(checked.original_name),
                    change_note=form.cleaned_data["change_note"],
                )
                messages.success(request, _("The file “%(name)s” was added.") % {"name": checked.original_name})
            else:
                version = file_services.add_file_version(
                    resource_file=slot, uploaded_file=uploaded, checked=checked, acting_user=user,
                    change_note=form.cleaned_data["change_note"],
                )
                messages.success(
                    request,
                    _("Version %(number)s of “%(title)s” is now the latest. Earlier versions stay available.")
                    % {"number": version.number, "title": slot.title},
                )
            if permissions.can_review(user) and resource.created_by_id != user.pk:
                return redirect("resources:review_detail", slug=resource.slug)
            return redirect("resources:my_uploads")
    else:
        form = FileVersionForm(resource=resource, user=user)
    is_uploader = resource.created_by_id == user.pk
    return render(
        request,
        "resources/file_version_form.html",
        {
            "form": form,
            "resource": resource,
            "slots": form.slots,
            "crumbs": _crumbs(
                (_("My uploads"), reverse("resources:my_uploads")) if is_uploader
                else (_("Review"), reverse("resources:review_queue")),
                (_("Add a file to “%(title)s”") % {"title": resource.title}, None),
            ),
        },
    )

