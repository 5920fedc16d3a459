"""A resource's page (/resources/<slug>/), its citation downloads (cite.bib, cite.ris) and "Was this useful?".

Published resources are shown to whoever may see them (visible_to); an unpublished one only to its uploader and
reviewers (resources.permissions.can_view_unpublished). Everyone else gets 404, never a hint that it exists."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hub.models import Language
from resources import citation
from resources.models import Resource
from resources.permissions import can_edit_resource, can_view_resource
from resources.selectors import get_resource_for_detail, related_resources, resource_files
from resources.services.feedback import COMMENT_MAX_LENGTH, record_feedback

PREVIEW_EXTENSIONS = frozenset({"pdf", "png", "jpg", "jpeg"})
SESSION_FEEDBACK_KEY = "resource_feedback"


def _viewable_resource(request: HttpRequest, slug: str) -> Resource:
    try:
        resource = get_resource_for_detail(slug=slug)
    except Resource.DoesNotExist:
        raise Http404 from None
    if not can_view_resource(request.user, resource):
        raise Http404
    return resource


@require_safe
def resource_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Metadata, description, files (size, mobile data, preview, download, versions), citation, related
    resources, superseded banner, feedback and "save to my library"."""
    resource = _viewable_resource(request, slug)
    from resources.selectors_lists import is_saved

    visible = Resource.objects.visible_to(request.user)
    replacement = (
        visible.filter(pk=resource.superseded_by_id).first() if resource.superseded_by_id else None
    )
    files = resource_files(resource=resource)
    my_feedback = None
    if request.user.is_authenticated:
        my_feedback = resource.feedback.filter(user=request.user).first()
    context = {
        "resource": resource,
        "files": files,
        "preview_extensions": PREVIEW_EXTENSIONS,
        "topics": list(resource.topics.select_related("parent").order_by("parent__position", "position", "name")),
        "tags": list(resource.tags.order_by("name")),
        "provinces": list(resource.provinces.order_by("name")),
        "municipalities": list(resource.municipalities.order_by("name")),
        "translations": list(resource.translations.all() & visible),
        "related": related_resources(user=request.user, resource=resource) if resource.is_published else [],
        "replacement": replacement,
        "citation": citation.citation_for(resource),
        "is_saved": is_saved(user=request.user, resource=resource),
        "my_feedback": my_feedback,
        "feedback_given": my_feedback is not None
        or str(resource.pk) in request.session.get(SESSION_FEEDBACK_KEY, {}),
        "comment_max_length": COMMENT_MAX_LENGTH,
        "can_edit": can_edit_resource(request.user, resource),
        "language_names": [str(dict(Language.choices).get(code, code)) for code in resource.languages],
        "crumbs": [(_("Resources"), _resource_list_url()), (resource.title, None)],
    }
    return render(request, "resources/resource_detail.html", context)


def _resource_list_url() -> str:
    from django.urls import reverse

    return reverse("resources:resource_list")


def _download(content: str, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def cite_bibtex(request: HttpRequest, slug: str) -> HttpResponse:
    resource = _viewable_resource(request, slug)
    return _download(
        citation.bibtex(resource), filename=f"{resource.slug[:80]}.bib", content_type="application/x-bibtex; charset=utf-8"
    )


@require_safe
def cite_ris(request: HttpRequest, slug: str) -> HttpResponse:
    resource = _viewable_resource(request, slug)
    return _download(
        citation.ris(resource), filename=f"{resource.slug[:80]}.ris",
        content_type="application/x-research-info-systems; charset=utf-8",
    )


@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """POST `useful` = "yes" or "no" (and an optional `comment`): record the answer and go back to the page. Only
    for published resources the person may see (404 otherwise)."""
    resource = _viewable_resource(request, slug)
    answer = request.POST.get("useful", "")
    if not resource.is_published or answer not in {"yes", "no"}:
        if not resource.is_published:
            raise Http404
        messages.error(request, _("Choose “Yes” or “No” to tell us whether this resource was useful."))
        return redirect(resource)
    given: dict[str, int] = dict(request.session.get(SESSION_FEEDBACK_KEY, {}))
    comment = "".join(char for char in request.POST.get("comment", "") if char >= " " or char in "\n\t")
    saved = record_feedback(
        resource=resource,
        user=request.user,
        is_useful=answer == "yes",
        comment=comment,
        anonymous_feedback_id=None if request.user.is_authenticated else given.get(str(resource.pk)),
    )
    if not request.user.is_authenticated:
        given[str(resource.pk)] = saved.pk
        request.session[SESSION_FEEDBACK_KEY] = given
    messages.success(request, _("Thank you for your feedback."))
    return redirect(f"{resource.get_absolute_url()}#feedback")
