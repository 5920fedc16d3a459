"""The coordinator dashboard of a network."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from networks.models import Event, Flag, Membership
from networks.permissions import can_view_dashboard
from networks.selectors_dashboard import engagement, participation_by_province
from networks.views.network import visible_network


def coordinator_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    network = visible_network(request, slug)
    if not can_view_dashboard(request.user, network):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    pending = network.memberships.filter(status=Membership.Status.PENDING).select_related("user").order_by("requested_at")
    flags = (
        Flag.objects.filter(post__topic__network=network, status=Flag.Status.OPEN)
        .select_related("post__topic", "reporter").order_by("created_at")
    )
    events = Event.objects.filter(network=network).upcoming()[:10]
    return render(request, "networks/dashboard.html", {
        "network": network, "pending": pending, "flags": flags, "events": events,
        "engagement": engagement(network), "provinces": participation_by_province(network),
    })
