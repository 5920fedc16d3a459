"""The member and expert directories, a person's profile page and "Contact this person". Signed-in members with a
verified email address only; visitors are sent to log in, unverified accounts are asked to verify."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hub import permissions, selectors
from hub.filters import PersonFilter
from hub.forms import ContactForm
from hub.models import Profile, User
from hub.services import people as people_services

PAGE_SIZE = 20


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Visitors go to the log-in page (and come back); signed-in people whose email address is not verified yet
    get a page that tells them how to verify it (403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.is_member(request.user):
            return render(request, "hub/email_verification_required.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _directory(request: HttpRequest, *, experts: bool) -> HttpResponse:
    profiles = selectors.directory_profiles(user=request.user, experts=experts)
    person_filter = PersonFilter(request.GET or None, queryset=profiles)
    if experts:
        # People come to the expert directory for a subject first.
        person_filter.form.order_fields(["q", "expertise"])
    if person_filter.is_bound and not person_filter.is_valid():
        results = profiles.none()
    else:
        results = person_filter.qs
    page_obj = Paginator(results.order_by("user__full_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "hub/expert_list.html" if experts else "hub/person_list.html",
        {
            "filter": person_filter,
            "form": person_filter.form,
            "page_obj": page_obj,
            "people": page_obj.object_list,
            "is_filtered": any(value for key, value in request.GET.items() if key != "page"),
            "directory_title": _("Expert directory") if experts else _("Member directory"),
        },
    )


@member_required
def person_list(request: HttpRequest) -> HttpResponse:
    """/people/: members who chose to be listed in the member directory, with filters."""
    return _directory(request, experts=False)


@member_required
def expert_list(request: HttpRequest) -> HttpResponse:
    """/experts/: members who are available to advise peers, with filters."""
    return _directory(request, experts=True)


@member_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's profile, if they opted into either directory (404 otherwise: nobody learns they have an
    account)."""
    try:
        profile = selectors.visible_profile(user=request.user, pk=pk)
    except Profile.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "hub/person_detail.html",
        {
            "profile": profile,
            "person": profile.user,
            "is_self": profile.user_id == request.user.pk,
            "can_contact": people_services.can_write_to(request.user, profile.user),
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def person_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to a person through the portal. 404 for yourself and for anyone you may not write to; 429 (and
    nothing sent) over the rate limit."""
    recipient = get_object_or_404(User.objects.select_related("profile"), pk=pk)
    if not people_services.can_write_to(request.user, recipient):
        raise Http404
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            people_services.contact_person(
                sender=request.user,
                recipient=recipient,
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
            )
        except people_services.ContactRateLimited as limited:
            status = 429
            if limited.per == "hour":
                error = _(
                    "You have sent %(limit)s messages in the last hour, the most the hub allows. Your message has "
                    "not been sent; please try again later."
                ) % {"limit": limited.limit}
            else:
                error = _(
                    "You have sent %(limit)s messages in the last 24 hours, the most the hub allows. Your message "
                    "has not been sent; please try again tomorrow."
                ) % {"limit": limited.limit}
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Your message has been sent to %(name)s.") % {"name": recipient.display_name}
            )
            if _is_listed(recipient):
                return redirect("hub:person_detail", pk=recipient.pk)
            return redirect("hub:home")
    return render(
        request,
        "hub/person_contact.html",
        {
            "form": form,
            "person": recipient,
            "person_url": reverse("hub:person_detail", kwargs={"pk": recipient.pk})
            if _is_listed(recipient)
            else "",
            "CONTACT_RATE_LIMIT_PER_HOUR": settings.CONTACT_RATE_LIMIT_PER_HOUR,
            "CONTACT_RATE_LIMIT_PER_DAY": settings.CONTACT_RATE_LIMIT_PER_DAY,
        },
        status=status,
    )


def _is_listed(person: User) -> bool:
    profile = getattr(person, "profile", None)
    return bool(profile and (profile.listed_in_directory or profile.available_as_expert))
