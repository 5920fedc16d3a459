"""Verifying that a member works for the municipality they name in their profile ("municipal official").

Two routes: automatically, when one of the person's verified email addresses is at a domain an administrator has
tied to that municipality (VerifiedEmailDomain); or by hand, when the person asks and SALGA staff or a site
administrator approve or reject the request from the verification queue."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import permissions
from hub.models import Organisation, Profile, VerifiedEmailDomain
from hub.services.audit import record_audit

VERIFICATION_REQUESTED = "verification.requested"
VERIFICATION_APPROVED = "verification.approved"
VERIFICATION_REJECTED = "verification.rejected"
NOTE_MAX_LENGTH = 500
REASON_MAX_LENGTH = 500


class VerificationError(ValueError):
    """The request cannot be made or decided in the profile's current state."""


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower()


def domain_matches(domain: str, configured: str) -> bool:
    """True when `domain` is `configured` or one of its subdomains (mail.capetown.gov.za matches capetown.gov.za;
    evilcapetown.gov.za does not)."""
    domain, configured = domain.lower().rstrip("."), configured.lower().strip().lstrip("@").rstrip(".")
    return bool(configured) and (domain == configured or domain.endswith("." + configured))


def is_government_domain(domain: str) -> bool:
    """A hint for staff in the queue: the domain is under one of settings.GOVERNMENT_EMAIL_DOMAINS (gov.za)."""
    return any(domain_matches(domain, configured) for configured in settings.GOVERNMENT_EMAIL_DOMAINS)


def can_request_verification(profile: Profile) -> bool:
    """The person names a municipality and is neither verified nor already waiting."""
    return bool(
        profile.organisation_id
        and profile.organisation.kind == Organisation.Kind.MUNICIPALITY
        and profile.affiliation_status in (Profile.Affiliation.UNVERIFIED, Profile.Affiliation.REJECTED)
    )


def matching_email_domain(*, user: Any, organisation: Organisation | None) -> str | None:
    """The first configured domain of `organisation` one of the user's verified addresses is at, or None."""
    if organisation is None:
        return None
    configured = list(
        VerifiedEmailDomain.objects.filter(organisation=organisation).values_list("domain", flat=True)
    )
    if not configured:
        return None
    addresses = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    for address in addresses:
        for domain in configured:
            if domain_matches(email_domain(address), domain):
                return domain
    return None


def _locked_profile(user: Any) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return (
        Profile.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .get(pk=profile.pk)
    )


def verify_by_email_domain(*, user: Any) -> bool:
    """Verify the person's municipal affiliation at once if one of their verified email addresses is at a
    domain configured for their profile's organisation. Atomic; writes an audit entry (actor "system", method
    "email domain") and emails the person after commit. Returns True when this call verified the person."""
    with transaction.atomic():
        profile = _locked_profile(user)
        if (
            profile.organisation is None
            or profile.organisation.kind != Organisation.Kind.MUNICIPALITY
            or profile.affiliation_status == Profile.Affiliation.VERIFIED
            or profile.user.is_former_member
        ):
            return False
        domain = matching_email_domain(user=profile.user, organisation=profile.organisation)
        if domain is None:
            return False
        before = profile.affiliation_status
        profile.affiliation_status = Profile.Affiliation.VERIFIED
        profile.affiliation_verified_at = timezone.now()
        profile.affiliation_verified_by = None
        profile.save(
            update_fields=[
                "affiliation_status",
                "affiliation_verified_at",
                "affiliation_verified_by",
                "updated_at",
            ]
        )
        record_audit(
            actor=None,
            action=VERIFICATION_APPROVED,
            target=profile.user,
            summary=_("Verified as an official of %(organisation)s by email domain (%(domain)s)")
            % {"organisation": profile.organisation.name, "domain": domain},
            before={"affiliation_status": before},
            after={"affiliation_status": profile.affiliation_status, "method": "email domain"},
        )
        _email_after_commit(
            profile, "hub/email/verification_approved.txt", _("You are verified as a municipal official")
        )
    return True


def request_verification(*, user: Any, note: str = "") -> Profile:
    """Ask SALGA to confirm that the person works for the municipality in their profile: status becomes
    pending, with the optional note and the time of the request. Atomic; audit-logged. Raises VerificationError
    when the profile names no municipality, or the person is already verified or waiting."""
    with transaction.atomic():
        profile = _locked_profile(user)
        if not can_request_verification(profile):
            raise VerificationError(_("There is nothing to verify: check the organisation in your profile."))
        before = profile.affiliation_status
        profile.affiliation_status = Profile.Affiliation.PENDING
        profile.affiliation_note = " ".join(note.split())[:NOTE_MAX_LENGTH] if note else ""
        profile.affiliation_requested_at = timezone.now()
        profile.affiliation_verified_at = None
        profile.affiliation_verified_by = None
        profile.save(
            update_fields=[
                "affiliation_status",
                "affiliation_note",
                "affiliation_requested_at",
                "affiliation_verified_at",
                "affiliation_verified_by",
                "updated_at",
            ]
        )
        record_audit(
            actor=user,
            action=VERIFICATION_REQUESTED,
            target=profile.user,
            summary=_("Asked to be verified as an official of %(organisation)s")
            % {"organisation": profile.organisation.name},
            before={"affiliation_status": before},
            after={"affiliation_status": profile.affiliation_status},
        )
    return profile


def _pending_profile_for_decision(person: Any, acting_user: Any) -> Profile:
    if not permissions.can_verify_officials(acting_user):
        raise PermissionDenied
    if person.pk == acting_user.pk:
        raise VerificationError(_("You cannot decide your own verification request."))
    profile = _locked_profile(person)
    if profile.affiliation_status != Profile.Affiliation.PENDING:
        raise VerificationError(_("This request has already been decided."))
    if profile.organisation is None or profile.organisation.kind != Organisation.Kind.MUNICIPALITY:
        raise VerificationError(_("This person no longer names a municipality in their profile."))
    return profile


def approve_verification(*, person: Any, acting_user: Any) -> Profile:
    """Confirm a pending request: the person becomes a municipal official. Atomic; audit-logged with the
    status before and after; emails the person after commit. Raises VerificationError when the request is no longer
    pending (someone else decided it) and PermissionDenied for people who may not verify officials."""
    with transaction.atomic():
        profile = _pending_profile_for_decision(person, acting_user)
        before = profile.affiliation_status
        profile.affiliation_status = Profile.Affiliation.VERIFIED
        profile.affiliation_verified_at = timezone.now()
        profile.affiliation_verified_by = acting_user
        profile.save(
            update_fields=[
                "affiliation_status",
                "affiliation_verified_at",
                "affiliation_verified_by",
                "updated_at",
            ]
        )
        record_audit(
            actor=acting_user,
            action=VERIFICATION_APPROVED,
            target=profile.user,
            summary=_("Verified as an official of %(organisation)s by staff review")
            % {"organisation": profile.organisation.name},
            before={"affiliation_status": before},
            after={"affiliation_status": profile.affiliation_status, "method": "staff review"},
        )
        _email_after_commit(
            profile, "hub/email/verification_approved.txt", _("You are verified as a municipal official")
        )
    return profile


def reject_verification(*, person: Any, acting_user: Any, reason: str) -> Profile:
    """Turn down a pending request with a reason, which is emailed to the person after commit. Atomic;
    audit-logged with the status before and after and the reason. The person may ask again later."""
    reason = reason.strip()[:REASON_MAX_LENGTH]
    with transaction.atomic():
        profile = _pending_profile_for_decision(person, acting_user)
        before = profile.affiliation_status
        profile.affiliation_status = Profile.Affiliation.REJECTED
        profile.affiliation_verified_at = None
        profile.affiliation_verified_by = acting_user
        profile.save(
            update_fields=[
                "affiliation_status",
                "affiliation_verified_at",
                "affiliation_verified_by",
                "updated_at",
            ]
        )
        record_audit(
            actor=acting_user,
            action=VERIFICATION_REJECTED,
            target=profile.user,
            summary=_("Not confirmed as an official of %(organisation)s: %(reason)s")
            % {"organisation": profile.organisation.name, "reason": reason},
            before={"affiliation_status": before},
            after={"affiliation_status": profile.affiliation_status, "reason": reason},
        )
        _email_after_commit(
            profile,
            "hub/email/verification_rejected.txt",
            _("Your verification request was not confirmed"),
            reason=reason,
        )
    return profile


def _email_after_commit(profile: Profile, template: str, subject: str, **extra: Any) -> None:
    """Queue the decision email once the transaction commits (a rolled-back decision sends nothing)."""
    user = profile.user
    context = {
        "name": user.display_name,
        "organisation": profile.organisation.name if profile.organisation else "",
        "profile_url": settings.SITE_URL + reverse("hub:verification_request"),
        "site_name": settings.SITE_NAME,
        **extra,
    }
    body = render_to_string(template, context)
    recipient = user.email
    transaction.on_commit(
        lambda: send_mail(f"[{settings.SITE_NAME}] {subject}", body, settings.DEFAULT_FROM_EMAIL, [recipient])
    )
