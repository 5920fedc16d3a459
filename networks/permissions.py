"""Who may do what in the peer learning networks. Views, services and templates ask these predicates so each rule
lives in one place. Coordinators of one network have no powers in another."""

from __future__ import annotations

from typing import Any

from hub.permissions import can_see_internal_content, is_member, is_site_administrator
from networks.models import ForumTopic, Membership, Network


def active_membership(user: Any, network: Network) -> Membership | None:
    """The person's active, unbanned membership of `network` (cached on the user per request), or None."""
    if not getattr(user, "is_authenticated", False) or network is None:
        return None
    cache = getattr(user, "_network_memberships", None)
    if cache is None:
        cache = {}
        user._network_memberships = cache
    if network.pk not in cache:
        cache[network.pk] = Membership.objects.filter(
            network=network, user=user, status=Membership.Status.ACTIVE, is_banned=False
        ).first()
    return cache[network.pk]


def forget_memberships(user: Any) -> None:
    """Drop the per-request cache after a membership change."""
    if hasattr(user, "_network_memberships"):
        del user._network_memberships


def is_network_member(user: Any, network: Network) -> bool:
    """An active (not banned) member or coordinator of this network."""
    return active_membership(user, network) is not None


def is_coordinator(user: Any, network: Network) -> bool:
    """An active coordinator of THIS network."""
    membership = active_membership(user, network)
    return membership is not None and membership.role == Membership.Role.COORDINATOR


def can_read_network(user: Any, network: Network) -> bool:
    """Public networks: anyone; members-only: its active members, SALGA staff, reviewers and administrators."""
    if network is None or not network.is_active:
        return False
    if network.visibility == Network.Visibility.PUBLIC:
        return True
    return can_see_internal_content(user) or is_network_member(user, network)


def can_join(user: Any, network: Network) -> bool:
    """A verified member who is not already in, not banned, and the network takes members without invitation."""
    if not is_member(user) or not network.is_active:
        return False
    if network.join_policy == Network.JoinPolicy.INVITATION:
        return False
    existing = Membership.objects.filter(network=network, user=user).first()
    if existing is None:
        return True
    if existing.is_banned:
        return False
    return existing.status in (Membership.Status.LEFT, Membership.Status.DECLINED, Membership.Status.REMOVED)


def can_see_members(user: Any, network: Network) -> bool:
    """The member list is for members of the network (and those who moderate it)."""
    return is_network_member(user, network) or can_moderate(user, network)


def can_post(user: Any, topic: ForumTopic) -> bool:
    """Active members may post in open topics; coordinators/administrators may post even in locked ones."""
    network = topic.network
    if topic.is_deleted:
        return False
    if can_moderate(user, network):
        return is_network_member(user, network) or is_site_administrator(user)
    return is_network_member(user, network) and not topic.is_locked


def can_start_topic(user: Any, network: Network) -> bool:
    return is_network_member(user, network)


def can_moderate(user: Any, network: Network) -> bool:
    """A coordinator of THIS network, or a site administrator."""
    if not getattr(user, "is_authenticated", False) or network is None:
        return False
    return is_site_administrator(user) or is_coordinator(user, network)


def can_manage_members(user: Any, network: Network) -> bool:
    """Approve, decline, invite, remove and ban: the same people who moderate the network."""
    return can_moderate(user, network)


def can_manage_events(user: Any, network: Network | None) -> bool:
    """Coordinators of the network and site administrators; hub-wide events (no network): SALGA staff too."""
    if not getattr(user, "is_authenticated", False):
        return False
    if network is None:
        from hub.permissions import is_salga_staff

        return is_salga_staff(user) or is_site_administrator(user)
    return can_moderate(user, network)


def can_view_dashboard(user: Any, network: Network) -> bool:
    return can_moderate(user, network)
