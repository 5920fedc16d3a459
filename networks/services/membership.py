"""Writes for network membership: join, ask to join, approve/decline, leave, invite by email, accept an invitation,
remove and ban. Every write checks its permission here and raises MembershipError with a message for the person."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.permissions import is_member
from hub.services.audit import record_audit
from networks.models import Invitation, Membership, Network
from networks.permissions import can_manage_members, forget_memberships

INVITATION_DAYS = 14
SESSION_INVITATION_KEY = "network_invitation_token"


class MembershipError(Exception):
    """A membership action that is not allowed or not possible; str(error) is shown to the person."""


def _site_url(path: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}"


def _email(address: str, subject: str, body: str) -> None:
    """Queue one plain-text email after the transaction commits."""
    if address:
        transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))


def _coordinator_emails(network: Network) -> list[str]:
    return list(
        network.memberships.filter(status=Membership.Status.ACTIVE, role=Membership.Role.COORDINATOR)
        .values_list("user__email", flat=True)
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def join_network(*, user: Any, network: Network, message: str = "") -> Membership:
    """Join an open network at once, or ask to join one that needs approval (coordinators are emailed).

    Raises MembershipError for invitation-only networks, banned people, people already in, and non-members."""
    if not is_member(user):
        raise MembershipError(_("Log in with a verified email address to join a network."))
    if not network.is_active:
        raise MembershipError(_("This network is closed."))
    membership = Membership.objects.select_for_update().filter(network=network, user=user).first()
    if membership is not None:
        if membership.is_banned:
            raise MembershipError(_("You cannot join this network."))
        if membership.status == Membership.Status.ACTIVE:
            raise MembershipError(_("You are already a member of this network."))
        if membership.status == Membership.Status.PENDING:
            raise MembershipError(_("You have already asked to join; a coordinator will decide soon."))
    if network.join_policy == Network.JoinPolicy.INVITATION:
        raise MembershipError(_("This network takes new members by invitation only."))
    if membership is None:
        membership = Membership(network=network, user=user)
    now = timezone.now()
    membership.role = Membership.Role.MEMBER
    membership.request_message = message[:1000]
    membership.requested_at = now
    membership.ended_at = None
    membership.decided_by = None
    membership.decision_note = ""
    if network.join_policy == Network.JoinPolicy.OPEN:
        membership.status = Membership.Status.ACTIVE
        membership.joined_at = now
    else:
        membership.status = Membership.Status.PENDING
        membership.joined_at = None
        url = _site_url(reverse("networks:request_list", kwargs={"slug": network.slug}))
        for address in _coordinator_emails(network):
            _email(
                address,
                _("%(name)s asks to join %(network)s") % {"name": user.display_name, "network": network.name},
                _("%(name)s asked to join %(network)s.\n\nDecide here: %(url)s\n")
                % {"name": user.display_name, "network": network.name, "url": url},
            )
    membership.save()
    forget_memberships(user)
    return membership


@transaction.atomic
def decide_request(*, actor: Any, membership: Membership, approve: bool, note: str = "") -> Membership:
    """A coordinator of the network approves or declines a pending request; the person is emailed."""
    network = membership.network
    if not can_manage_members(actor, network):
        raise MembershipError(_("Only coordinators of this network can decide on requests."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.PENDING:
        raise MembershipError(_("This request has already been decided."))
    now = timezone.now()
    membership.decided_by = actor
    membership.decision_note = note[:1000]
    url = _site_url(network.get_absolute_url())
    if approve:
        membership.status = Membership.Status.ACTIVE
        membership.joined_at = now
        subject = _("Welcome to %(network)s") % {"network": network.name}
        body = _("Your request to join %(network)s was approved.\n\n%(url)s\n") % {"network": network.name, "url": url}
    else:
        membership.status = Membership.Status.DECLINED
        membership.ended_at = now
        subject = _("Your request to join %(network)s") % {"network": network.name}
        body = _("Your request to join %(network)s was declined.\n%(note)s\n") % {"network": network.name, "note": note}
    membership.save()
    _email(membership.user.email, subject, body)
    record_audit(
        actor=actor, action="networks.membership.approve" if approve else "networks.membership.decline",
        target=membership, summary=f"{membership.user.email} in {network.slug}",
    )
    return membership


@transaction.atomic
def leave_network(*, user: Any, network: Network) -> Membership:
    """Leave a network. Raises MembershipError if the person is not an active member."""
    membership = Membership.objects.select_for_update().filter(
        network=network, user=user, status__in=[Membership.Status.ACTIVE, Membership.Status.PENDING]
    ).first()
    if membership is None:
        raise MembershipError(_("You are not a member of this network."))
    membership.status = Membership.Status.LEFT
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "ended_at"])
    forget_memberships(user)
    return membership


@transaction.atomic
def remove_member(*, actor: Any, membership: Membership, ban: bool = False, note: str = "") -> Membership:
    """A coordinator (of THIS network) or administrator removes, optionally bans, a member. Audit-logged."""
    network = membership.network
    if not can_manage_members(actor, network):
        raise MembershipError(_("Only coordinators of this network can remove members."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.user_id == actor.pk:
        raise MembershipError(_("You cannot remove yourself; leave the network instead."))
    before = {"status": membership.status, "is_banned": membership.is_banned}
    membership.status = Membership.Status.REMOVED
    membership.is_banned = membership.is_banned or ban
    membership.ended_at = timezone.now()
    membership.decided_by = actor
    membership.decision_note = note[:1000]
    membership.save()
    record_audit(
        actor=actor, action="networks.membership.ban" if ban else "networks.membership.remove", target=membership,
        summary=f"{membership.user.email} from {network.slug}", before=before,
        after={"status": membership.status, "is_banned": membership.is_banned},
    )
    return membership


@transaction.atomic
def set_role(*, actor: Any, membership: Membership, role: str) -> Membership:
    """Make an active member a coordinator or back to member (coordinators of this network, administrators)."""
    if not can_manage_members(actor, membership.network):
        raise MembershipError(_("Only coordinators of this network can change roles."))
    if role not in Membership.Role.values or membership.status != Membership.Status.ACTIVE:
        raise MembershipError(_("That change is not possible."))
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    record_audit(actor=actor, action="networks.membership.role", target=membership, before=before,
                 after={"role": role}, summary=f"{membership.user.email} in {membership.network.slug}")
    return membership


@transaction.atomic
def invite(*, actor: Any, network: Network, email: str) -> tuple[Invitation, str]:
    """Email an invitation link. Returns the invitation and the raw token (only its SHA-256 is stored)."""
    if not can_manage_members(actor, network):
        raise MembershipError(_("Only coordinators of this network can invite people."))
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        network=network, email=email, token_hash=hash_token(token), invited_by=actor,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    url = _site_url(reverse("networks:invitation_accept", kwargs={"token": token}))
    _email(
        email,
        _("You are invited to join %(network)s") % {"network": network.name},
        _("%(name)s invites you to join %(network)s on the LG Knowledge Hub.\n\nAccept: %(url)s\n\n"
          "If you do not have an account yet, create one with this address; the link joins you afterwards. "
          "The link works once and expires in %(days)d days.\n")
        % {"name": actor.display_name, "network": network.name, "url": url, "days": INVITATION_DAYS},
    )
    record_audit(actor=actor, action="networks.invitation.create", target=invitation, summary=f"{email} to {network.slug}")
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    """The usable (not accepted, not revoked, not expired) invitation for a raw token, or None."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("network")
        .filter(token_hash=hash_token(token), accepted_at__isnull=True, revoked_at__isnull=True,
                expires_at__gt=timezone.now(), network__is_active=True)
        .first()
    )


def why_not_yours(user: Any, invitation: Invitation) -> str:
    """Why `user` may not use `invitation` ("" when they may): it is for the invited address, verified, only."""
    from allauth.account.models import EmailAddress

    if not is_member(user):
        return _("Log in with a verified email address to accept the invitation.")
    if EmailAddress.objects.filter(user=user, email__iexact=invitation.email.strip(), verified=True).exists():
        return ""
    return _("This invitation was sent to %(address)s. Log in with that email address, or add it to your account "
             "and verify it, then open the link again.") % {"address": mask_email(invitation.email)}


def mask_email(email: str) -> str:
    """"s•••@tshwane.gov.za": enough for the invited person to recognise their address, not to harvest it."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}\u2022\u2022\u2022@{domain}" if domain else "\u2022\u2022\u2022"


@transaction.atomic
def accept_invitation(*, user: Any, token: str) -> Membership:
    """Use an invitation: the person becomes an active member (even of an invitation-only network). One use, and only
    by someone with the invited address, verified, on their account."""
    if not is_member(user):
        raise MembershipError(_("Log in with a verified email address to accept the invitation."))
    invitation = find_invitation(token)
    if invitation is None:
        raise MembershipError(_("This invitation link is not valid: it may have been used already or expired."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise MembershipError(_("This invitation link is not valid: it may have been used already or expired."))
    refusal = why_not_yours(user, invitation)
    if refusal:  # a forwarded link must not let someone else in (invitation-only networks are closed for a reason)
        raise MembershipError(refusal)
    network = invitation.network
    membership, _created = Membership.objects.select_for_update().get_or_create(network=network, user=user)
    if membership.is_banned:
        raise MembershipError(_("You cannot join this network."))
    if membership.status != Membership.Status.ACTIVE:
        membership.status = Membership.Status.ACTIVE
        membership.role = Membership.Role.MEMBER
        membership.joined_at = timezone.now()
        membership.ended_at = None
        membership.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    forget_memberships(user)
    return membership
