"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404
# --- imports of verification_request, data_download, account_delete (helper h3) ---
import json

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hub import permissions
from hub.forms_manage import AccountDeleteForm, VerificationRequestForm
from hub.services import verification as verification_services
from hub.services.data_rights import AccountDeletionError, delete_account, export_personal_data
from hub.services.people import ensure_profile
# --- end of h3 imports ---
# --- imports of profile_edit (helper h2; it also uses h3's imports above) ---
from hub.forms import ProfileForm
from hub.roles import Role
from hub.services import people as people_services
# --- end of h2 imports ---


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """The person's own profile: what they tell the hub, their two directory choices, their roles and whether
    their affiliation is verified."""
    profile = ensure_profile(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            people_services.update_profile(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile has been saved."))
            return redirect("hub:profile_edit")
    else:
        form = ProfileForm(
            initial={
                "full_name": request.user.full_name,
                "organisation": profile.organisation_id,
                "job_title": profile.job_title,
                "function": profile.function,
                "bio": profile.bio,
                "expertise": list(profile.expertise.values_list("pk", flat=True)),
                "languages": profile.languages,
                "listed_in_directory": profile.listed_in_directory,
                "available_as_expert": profile.available_as_expert,
            }
        )
    role_labels = dict(Role.choices)
    return render(
        request,
        "hub/profile_form.html",
        {
            "form": form,
            "profile": profile,
            "roles": [role_labels[role] for role in permissions.roles_of(request.user)],
            "is_listed": profile.listed_in_directory or profile.available_as_expert,
            "can_request_verification": verification_services.can_request_verification(profile),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verification_request(request: HttpRequest) -> HttpResponse:
    """The member's own official verification: explains the status and lets them ask SALGA to verify them."""
    if not permissions.is_member(request.user):
        raise PermissionDenied
    profile = ensure_profile(user=request.user)
    form = VerificationRequestForm(request.POST or None)
    if request.method == "POST":
        if verification_services.verify_by_email_domain(user=request.user):
            messages.success(request, _("Your email address shows that you work for this municipality: you are "
                                        "now verified as a municipal official."))
            return redirect("hub:verification_request")
        if form.is_valid():
            try:
                verification_services.request_verification(user=request.user, note=form.cleaned_data["note"])
            except verification_services.VerificationError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Request sent. SALGA will email you when they have checked it."))
            return redirect("hub:verification_request")
    profile.refresh_from_db()
    return render(
        request,
        "hub/verification_request.html",
        {
            "crumbs": _account_crumbs(_("Official verification")),
            "profile": profile,
            "form": form,
            "can_request": verification_services.can_request_verification(profile),
            "names_municipality": bool(profile.organisation and profile.organisation.kind == "municipality"),
            "domain_match": verification_services.matching_email_domain(
                user=request.user, organisation=profile.organisation
            ),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def data_download(request: HttpRequest) -> HttpResponse:
    """GET explains what the file holds; POST (or ?download=1) returns it as an attachment."""
    if request.method == "POST" or request.GET.get("download") == "1":
        data = export_personal_data(user=request.user)
        filename = f"lg-knowledge-hub-my-data-{timezone.localdate():%Y-%m-%d}.json"
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(
        request,
        "hub/data_download.html",
        {
            "crumbs": _account_crumbs(_("Download your data")),
            "profile_url": reverse("hub:profile_edit"),
            "delete_url": reverse("hub:account_delete"),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete my account: confirm with the current password (rate-limited), then anonymise and log out."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not ratelimit.consume(request, action="reauthenticate", user=request.user):
            form = AccountDeleteForm(user=request.user)
            messages.error(request, _("Too many attempts. Wait a minute and try again."))
            return render(request, "hub/account_delete.html", _delete_context(form), status=429)
        if form.is_valid():
            try:
                delete_account(user=request.user, acting_user=request.user)
            except AccountDeletionError as error:
                form.add_error(None, str(error))
            else:
                logout(request)
                messages.success(request, _("Your account has been deleted. Thank you for taking part."))
                return redirect("hub:home")
    return render(request, "hub/account_delete.html", _delete_context(form))


def _delete_context(form: AccountDeleteForm) -> dict:
    return {
        "form": form,
        "crumbs": _account_crumbs(_("Delete your account")),
        "download_url": reverse("hub:data_download"),
    }


def _account_crumbs(current: str) -> list[tuple[str, str | None]]:
    return [(_("Your profile"), reverse("hub:profile_edit")), (current, None)]

