"""Management pages in the portal: the dashboard, people and their roles (site administrators), the official
verification queue (SALGA staff and site administrators) and the audit log (site administrators)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hub import permissions, selectors_manage
from hub.forms_manage import AuditEntryFilter, PeopleSearchForm, RolesForm, VerificationDecisionForm
from hub.models import Profile, User
from hub.services import roles as role_services
from hub.services import verification as verification_services

PEOPLE_PER_PAGE = 25
QUEUE_PER_PAGE = 25
AUDIT_PER_PAGE = 50


def _require(predicate: Callable[[Any], bool], request: HttpRequest) -> None:
    if not predicate(request.user):
        raise PermissionDenied


def _page(request: HttpRequest, items: Any, per_page: int) -> Any:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_verify = permissions.can_verify_officials(user)
    may_assign = permissions.can_assign_roles(user)
    may_audit = permissions.can_view_audit_log(user)
    if not (may_verify or may_assign or may_audit):
        raise PermissionDenied
    context: dict[str, Any] = {
        "counts": selectors_manage.dashboard_counts(include_people=may_assign),
        "may_verify": may_verify,
        "may_assign": may_assign,
        "may_audit": may_audit,
        "recent_entries": list(selectors_manage.audit_entries()[:5]) if may_audit else [],
    }
    return render(request, "hub/manage/dashboard.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def person_roles_list(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_assign_roles, request)
    form = PeopleSearchForm(request.GET or None)
    query, role = "", ""
    if form.is_valid():
        query, role = form.cleaned_data["q"], form.cleaned_data["role"]
    page_obj = _page(
        request, selectors_manage.people_for_role_management(query=query, role=role), PEOPLE_PER_PAGE
    )
    rows = [{"person": person, "roles": selectors_manage.role_labels_for(person)} for person in page_obj]
    return render(
        request,
        "hub/manage/person_list.html",
        {
            "form": form,
            "page_obj": page_obj,
            "rows": rows,
            "query": query,
            "role": role,
            "crumbs": _crumbs((_("People and roles"), None)),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def person_roles_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(permissions.can_assign_roles, request)
    person = get_object_or_404(
        User.objects.filter(is_former_member=False)
        .select_related("profile__organisation")
        .prefetch_related("groups"),
        pk=pk,
    )
    current = role_services.group_roles_of(person)
    if request.method == "POST":
        form = RolesForm(request.POST)
        if form.is_valid():
            try:
                role_services.set_roles(
                    person=person, roles=set(form.cleaned_data["roles"]), acting_user=request.user
                )
            except role_services.RoleChangeError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Roles of %(name)s saved.") % {"name": person.display_name})
                return redirect("hub:manage_person_roles", pk=person.pk)
    else:
        form = RolesForm(initial={"roles": current})
    return render(
        request,
        "hub/manage/person_roles.html",
        {
            "crumbs": _crumbs(
                (_("People and roles"), reverse("hub:manage_people")), (person.display_name, None)
            ),
            "person": person,
            "form": form,
            "current_roles": selectors_manage.role_labels_for(person),
            "entries": _with_change_rows(selectors_manage.audit_entries_about(person)),
            "is_self": person.pk == request.user.pk,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def verification_queue(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_verify_officials, request)
    page_obj = _page(request, selectors_manage.pending_verifications(), QUEUE_PER_PAGE)
    rows = [
        {"profile": profile, "domains": selectors_manage.email_domains_of(profile)} for profile in page_obj
    ]
    return render(
        request,
        "hub/manage/verification_queue.html",
        {"page_obj": page_obj, "rows": rows, "crumbs": _crumbs((_("Verification queue"), None))},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verification_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(permissions.can_verify_officials, request)
    profile = (
        Profile.objects.filter(user__pk=pk, user__is_former_member=False)
        .select_related("user", "organisation__municipality__province", "affiliation_verified_by")
        .first()
    )
    if profile is None or (
        profile.affiliation_status == Profile.Affiliation.UNVERIFIED
        and profile.affiliation_requested_at is None
    ):
        raise Http404
    is_pending = profile.affiliation_status == Profile.Affiliation.PENDING
    is_own = profile.user_id == request.user.pk
    form = VerificationDecisionForm(request.POST or None)
    if request.method == "POST":
        if not is_pending:
            messages.info(request, _("This request has already been decided."))
            return redirect("hub:verification_queue")
        if is_own:
            raise PermissionDenied
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            try:
                if decision == VerificationDecisionForm.APPROVE:
                    verification_services.approve_verification(person=profile.user, acting_user=request.user)
                    message = _("%(name)s is now verified as an official of %(organisation)s.")
                else:
                    verification_services.reject_verification(
                        person=profile.user, acting_user=request.user, reason=form.cleaned_data["reason"]
                    )
                    message = _(
                        "You rejected the request of %(name)s (%(organisation)s). They have been told why."
                    )
            except verification_services.VerificationError as error:
                messages.error(request, str(error))
                return redirect("hub:verification_queue")
            messages.success(
                request,
                message
                % {
                    "name": profile.user.display_name,
                    "organisation": profile.organisation.name if profile.organisation else "",
                },
            )
            return redirect("hub:verification_queue")
    return render(
        request,
        "hub/manage/verification_decide.html",
        {
            "crumbs": _crumbs(
                (_("Verification queue"), reverse("hub:verification_queue")),
                (profile.user.display_name, None),
            ),
            "profile": profile,
            "person": profile.user,
            "form": form,
            "is_pending": is_pending,
            "is_own": is_own,
            "domains": selectors_manage.email_domains_of(profile),
            "entries": _with_change_rows(selectors_manage.audit_entries_about(profile.user, limit=5)),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def audit_log(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_view_audit_log, request)
    filterset = AuditEntryFilter(request.GET or None, queryset=selectors_manage.audit_entries())
    page_obj = _page(request, filterset.qs, AUDIT_PER_PAGE)
    return render(
        request,
        "hub/manage/audit_log.html",
        {
            "crumbs": _crumbs((_("Audit log"), None)),
            "filter": filterset,
            "form": filterset.form,
            "page_obj": page_obj,
            "entries": _with_change_rows(page_obj.object_list),
            "is_filtered": any(value for key, value in request.GET.items() if key != "page"),
        },
    )


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Manage"), reverse("hub:manage_dashboard")), *items]


def _with_change_rows(entries: Any) -> list[Any]:
    """Attach each entry's before/after rows (for the small table in its row)."""
    result = []
    for entry in entries:
        entry.change_rows = selectors_manage.change_rows(entry)
        result.append(entry)
    return result
