"""The network list and a network's page."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from hub.models import Municipality
from networks.forms_membership import JoinForm
from networks.models import Event, Membership, Network
from networks.permissions import can_join, can_moderate, can_see_members, is_network_member
from networks.selectors import topics_for


def visible_network(request: HttpRequest, slug: str) -> Network:
    """The network if the person may read it; 404 otherwise (members-only content is never revealed)."""
    return get_object_or_404(Network.objects.visible_to(request.user), slug=slug)


def discoverable_network(request: HttpRequest, slug: str) -> tuple[Network, bool]:
    """The network if the person may learn it exists (Network.objects.discoverable_to), and whether they may also read
    it (visible_to), in one query; 404 otherwise. Only the network page and joining use this: a network someone may
    discover but not read gets its landing page, never its content."""
    readable = Network.objects.visible_to(request.user).filter(pk=OuterRef("pk"))
    network = get_object_or_404(
        Network.objects.discoverable_to(request.user).annotate(is_readable=Exists(readable)), slug=slug
    )
    return network, network.is_readable


def network_list(request: HttpRequest) -> HttpResponse:
    networks = (
        Network.objects.discoverable_to(request.user)
        .annotate(member_count=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE),
                                     distinct=True))
        .order_by("name")
    )
    mine: set[int] = set()
    asked: set[int] = set()
    if request.user.is_authenticated:
        for network_id, status in Membership.objects.filter(
            user=request.user, status__in=[Membership.Status.ACTIVE, Membership.Status.PENDING]
        ).values_list("network_id", "status"):
            (mine if status == Membership.Status.ACTIVE else asked).add(network_id)
    return render(request, "networks/network_list.html", {"networks": networks, "mine": mine, "asked": asked})


def network_landing(request: HttpRequest, network: Network) -> HttpResponse:
    """A members-only network's page for a signed-in person who may join it (open) or ask to (approval) but not
    read it: its name, description, purpose, member count and the join form. Nothing of its forum, events, library,
    members or coordinators, not even how many there are."""
    membership = Membership.objects.filter(network=network, user=request.user).first()
    allowed = can_join(request.user, network)
    return render(request, "networks/network_landing.html", {
        "network": network,
        "member_count": network.memberships.filter(status=Membership.Status.ACTIVE).count(),
        "membership": membership,
        "can_join": allowed,
        "form": JoinForm() if allowed else None,
    })


def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    from resources.models import Resource

    network, readable = discoverable_network(request, slug)
    if not readable:
        return network_landing(request, network)
    active = network.memberships.filter(status=Membership.Status.ACTIVE)
    coordinators = active.filter(role=Membership.Role.COORDINATOR).select_related("user").order_by("user__full_name")
    municipalities = (
        Municipality.objects.filter(
            organisation__profiles__user__network_memberships__network=network,
            organisation__profiles__user__network_memberships__status=Membership.Status.ACTIVE,
        ).select_related("province").distinct().order_by("province__name", "name")
    )
    # Same rule as the forum list: a topic whose opening post waits for a coordinator is not shown to others.
    topics = topics_for(request.user, network, moderator=can_moderate(request.user, network))[:5]
    events = Event.objects.visible_to(request.user).filter(network=network).upcoming()[:5]
    library = Resource.objects.visible_to(request.user).filter(networks=network)[:10]
    membership = None
    if request.user.is_authenticated:
        membership = Membership.objects.filter(network=network, user=request.user).first()
    context = {
        "network": network,
        "coordinators": coordinators,
        "member_count": active.count(),
        "municipalities": municipalities,
        "topics": topics,
        "events": events,
        "library": library,
        "membership": membership,
        "is_network_member": is_network_member(request.user, network),
        "can_join": can_join(request.user, network),
        "can_moderate": can_moderate(request.user, network),
        "can_see_members": can_see_members(request.user, network),
    }
    return render(request, "networks/network_detail.html", context)

