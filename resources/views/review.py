"""Review pages for content reviewers: the queue (oldest first, with time waiting), a review page per item (preview,
metadata, files, history, decision) and the staff list of published items past their review-by date."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hub.models import Language
from resources import permissions
from resources.forms import ReviewDecisionForm
from resources.models import FileVersion, Resource, ResourceFile, ReviewEvent
from resources.services import publishing
from resources.validation import PREVIEWABLE_EXTENSIONS

LANGUAGE_LABELS = dict(Language.choices)
QUEUE_PER_PAGE = 25
OVERDUE_PER_PAGE = 50


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Resources"), reverse("resources:resource_list")), *items]


@login_required
@require_http_methods(["GET", "HEAD"])
def review_queue(request: HttpRequest) -> HttpResponse:
    if not permissions.can_review(request.user):
        raise PermissionDenied
    waiting = (
        Resource.objects.filter(status=Resource.Status.SUBMITTED)
        .select_related("created_by", "organisation")
        .annotate(file_count=Count("files"))
        .order_by("submitted_at", "id")
    )
    page_obj = Paginator(waiting, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    with_uploader = Resource.objects.filter(status=Resource.Status.CHANGES_REQUESTED).count()
    return render(
        request,
        "resources/review_queue.html",
        {
            "page_obj": page_obj,
            "with_uploader": with_uploader,
            "overdue_count": Resource.objects.published().filter(review_by__lt=timezone.localdate()).count(),
            "crumbs": _crumbs((_("Review"), None)),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if not permissions.can_review(request.user):
        raise Http404
    resource = get_object_or_404(
        Resource.objects.select_related("created_by", "organisation", "superseded_by").prefetch_related(
            "topics__parent",
            "provinces",
            "municipalities",
            "tags",
            Prefetch(
                "files",
                queryset=ResourceFile.objects.select_related("latest_version").prefetch_related(
                    Prefetch("versions", queryset=FileVersion.objects.order_by("-number"))
                ),
            ),
            Prefetch("review_events", queryset=ReviewEvent.objects.select_related("actor")),
        ),
        slug=slug,
    )
    user = request.user
    decidable = resource.status in (
        Resource.Status.SUBMITTED, Resource.Status.CHANGES_REQUESTED, Resource.Status.DRAFT
    )
    form = ReviewDecisionForm(initial={"edit_version": resource.edit_version})
    if request.method == "POST":
        action = request.POST.get("action", "decide")
        if action == "archive" and resource.status == Resource.Status.PUBLISHED:
            publishing.archive_resource(
                resource=resource, acting_user=user, reason=request.POST.get("reason", "")[:2000]
            )
            messages.success(request, _("“%(title)s” is archived: it no longer appears in the library.")
                             % {"title": resource.title})
            return redirect("resources:review_detail", slug=resource.slug)
        if action == "republish" and resource.status == Resource.Status.ARCHIVED:
            publishing.publish_resource(resource=resource, acting_user=user)
            messages.success(request, _("“%(title)s” is published again.") % {"title": resource.title})
            return redirect("resources:review_detail", slug=resource.slug)
        form = ReviewDecisionForm(request.POST)
        if not decidable:
            messages.info(request, _("This resource has already been decided."))
            return redirect("resources:review_detail", slug=resource.slug)
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            message = form.cleaned_data["message"]
            expected = form.cleaned_data["edit_version"]
            try:
                if decision == ReviewDecisionForm.PUBLISH:
                    publishing.publish_resource(
                        resource=resource, acting_user=user, message=message, expected_version=expected
                    )
                    messages.success(request, _("“%(title)s” is published.") % {"title": resource.title})
                elif decision == ReviewDecisionForm.REQUEST_CHANGES:
                    publishing.request_changes(
                        resource=resource, acting_user=user, message=message, expected_version=expected
                    )
                    messages.success(
                        request, _("The uploader has been asked for changes by email.")
                    )
                else:
                    publishing.reject_resource(
                        resource=resource, acting_user=user, reason=message, expected_version=expected
                    )
                    messages.success(request, _("“%(title)s” is rejected; the uploader has been told why.")
                                     % {"title": resource.title})
            except publishing.EditConflict:
                form.add_error(
                    None,
                    _("This resource was changed after you opened this page, so your decision was NOT saved. "
                      "Look at it again below, then decide."),
                )
                resource.refresh_from_db()
                data = request.POST.copy()
                data["edit_version"] = str(resource.edit_version)
                errors = form.errors
                form = ReviewDecisionForm(data)
                form.is_valid()
                for error in errors.get("__all__", []):
                    form.add_error(None, error)
            except publishing.TransitionError as error:
                form.add_error(None, str(error))
            else:
                return redirect("resources:review_queue")
    files = list(resource.files.all())
    return render(
        request,
        "resources/review_detail.html",
        {
            "resource": resource,
            "form": form,
            "decidable": decidable,
            "files": files,
            "previewable": PREVIEWABLE_EXTENSIONS,
            "language_labels": [str(LANGUAGE_LABELS.get(code, code)) for code in resource.languages],
            "events": list(resource.review_events.all()),
            "is_own": resource.created_by_id == user.pk,
            "crumbs": _crumbs((_("Review"), reverse("resources:review_queue")), (resource.title, None)),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def overdue_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_overdue(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    overdue = (
        Resource.objects.published()
        .filter(review_by__lt=today)
        .select_related("organisation", "superseded_by")
        .order_by("review_by", "id")
    )
    page_obj = Paginator(overdue, OVERDUE_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"resource": resource, "days": (today - resource.review_by).days} for resource in page_obj]
    return render(
        request,
        "resources/review_overdue.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "today": today,
            "may_edit": permissions.can_review(request.user),
            "crumbs": _crumbs(
                *([(_("Review"), reverse("resources:review_queue"))] if permissions.can_review(request.user) else []),
                (_("Past their review date"), None),
            ),
        },
    )

