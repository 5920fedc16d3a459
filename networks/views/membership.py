"""Joining and leaving networks, the member list, join requests, invitations and removing members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from networks.forms_membership import DecisionForm, InviteForm, JoinForm, ManageForm
from networks.models import Membership
from networks.permissions import can_manage_members, can_see_members
from networks.selectors import accepted_answer_counts
from networks.services import membership as service
from networks.views.network import discoverable_network, visible_network


def _login_or_deny(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


MEMBERS_PER_PAGE = 50


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, slug: str) -> HttpResponse:
    # Discoverable, not only visible: a members-only network by approval is joined from its landing page.
    network, _readable = discoverable_network(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = service.join_network(user=request.user, network=network, message=form.cleaned_data["message"])
        except service.MembershipError as error:
            messages.error(request, str(error))
            return redirect(network)
        if membership.status == Membership.Status.ACTIVE:
            messages.success(request, _("You joined %(network)s.") % {"network": network.name})
        else:
            messages.success(request, _("Your request was sent to the coordinators. We will email you their decision."))
        return redirect(network)
    return render(request, "networks/member_join.html", {"network": network, "form": form})


@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    network = visible_network(request, slug)
    if not request.user.is_authenticated:
        return redirect_to_login(network.get_absolute_url())
    try:
        service.leave_network(user=request.user, network=network)
    except service.MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You left %(network)s.") % {"network": network.name})
    return redirect(network)


def member_list(request: HttpRequest, slug: str) -> HttpResponse:
    network = visible_network(request, slug)
    if not can_see_members(request.user, network):
        return _login_or_deny(request)
    # Paginated: a network of thousands must not cost a phone on prepaid data the whole list at once.
    page_obj = Paginator(
        network.memberships.filter(status=Membership.Status.ACTIVE)
        .select_related("user", "user__profile__organisation__municipality__province")
        .order_by("role", "user__full_name", "pk"),
        MEMBERS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    members = list(page_obj.object_list)
    accepted = accepted_answer_counts(network, user_ids=[membership.user_id for membership in members])
    for membership in members:
        membership.accepted_answers = accepted.get(membership.user_id, 0)
    return render(request, "networks/member_list.html", {
        "network": network, "members": members, "page_obj": page_obj,
        "can_manage": can_manage_members(request.user, network),
    })


@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest, slug: str) -> HttpResponse:
    network = visible_network(request, slug)
    if not can_manage_members(request.user, network):
        return _login_or_deny(request)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            membership = get_object_or_404(network.memberships, pk=form.cleaned_data["membership_id"])
            try:
                service.decide_request(actor=request.user, membership=membership,
                                       approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"])
            except service.MembershipError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Decision recorded for %(name)s.") % {"name": membership.user.display_name})
        return redirect("networks:request_list", slug=network.slug)
    pending = network.memberships.filter(status=Membership.Status.PENDING).select_related("user").order_by("requested_at")
    return render(request, "networks/member_requests.html", {"network": network, "pending": pending})


@require_http_methods(["GET", "POST"])
def member_manage(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    network = visible_network(request, slug)
    if not can_manage_members(request.user, network):
        return _login_or_deny(request)
    membership = get_object_or_404(network.memberships.select_related("user"), pk=membership_id)
    form = ManageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            if action in ("remove", "ban"):
                service.remove_member(actor=request.user, membership=membership, ban=action == "ban",
                                      note=form.cleaned_data["note"])
            else:
                role = Membership.Role.COORDINATOR if action == "make_coordinator" else Membership.Role.MEMBER
                service.set_role(actor=request.user, membership=membership, role=role)
        except service.MembershipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("networks:member_list", slug=network.slug)
    return render(request, "networks/member_manage.html", {"network": network, "membership": membership, "form": form})


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    network = visible_network(request, slug)
    if not can_manage_members(request.user, network):
        return _login_or_deny(request)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        service.invite(actor=request.user, network=network, email=form.cleaned_data["email"])
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
        return redirect("networks:invite", slug=network.slug)
    return render(request, "networks/member_invite.html", {"network": network, "form": form})


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Show the invitation; accept on POST. Without an account the token is kept in the session through sign-up,
    email verification and log-in, and the join completes after log-in (see networks.integration)."""
    invitation = service.find_invitation(token)
    if invitation is None:
        raise Http404
    network = invitation.network
    if not request.user.is_authenticated:
        request.session[service.SESSION_INVITATION_KEY] = token
        return render(request, "networks/member_invitation.html", {
            "network": network, "invitation": invitation,
            "signup_url": reverse("account_signup"), "login_url": reverse("account_login"),
        })
    if request.method == "POST":
        try:
            service.accept_invitation(user=request.user, token=token)
        except service.MembershipError as error:
            messages.error(request, str(error))
            return redirect("networks:network_list")
        request.session.pop(service.SESSION_INVITATION_KEY, None)
        messages.success(request, _("You joined %(network)s.") % {"network": network.name})
        return redirect(network)
    return render(request, "networks/member_invitation.html", {
        "network": network, "invitation": invitation, "not_for_you": service.why_not_yours(request.user, invitation),
    })
