"""Writes about people: profiles, directory opt-in, contact between members, official verification."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import permissions, selectors
from hub.models import ContactMessage, ExpertiseArea, Organisation, Profile, User
from hub.services.audit import record_audit

CONTACT_SUBJECT_MAX_LENGTH = 150
CONTACT_MESSAGE_MAX_LENGTH = 3000


def ensure_profile(*, user: Any) -> Profile:
    """Return the person's profile, creating an empty one (nothing opted in) the first time."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


# --- Profile ------------------------------------------------------------------------------------------------


def affiliation_from_email(user: Any, organisation: Organisation | None) -> str | None:
    """The email domain that proves `user` works for `organisation`, or None.

    Proof is one of the person's *verified* addresses being at (or under) a VerifiedEmailDomain an administrator
    tied to that organisation; only municipalities make someone a municipal official, so other organisations never
    match. A bare government domain (settings.GOVERNMENT_EMAIL_DOMAINS) is not proof of *which* municipality, so it
    is left to SALGA staff in the verification queue."""
    if organisation is None or organisation.kind != Organisation.Kind.MUNICIPALITY:
        return None
    from hub.services.verification import matching_email_domain

    return matching_email_domain(user=user, organisation=organisation)


def update_profile(
    *,
    user: Any,
    full_name: str,
    organisation: Organisation | None,
    job_title: str,
    function: str,
    bio: str,
    expertise: Iterable[ExpertiseArea],
    languages: Iterable[str],
    listed_in_directory: bool,
    available_as_expert: bool,
) -> Profile:
    """Save what a person says about themselves. Atomic (the profile row is locked).

    Changing the organisation withdraws any verified or pending affiliation (it was about the old organisation)
    and is audit-logged when it does; then, if one of the person's verified email addresses is at a domain tied to
    the new municipality (`affiliation_from_email`), they are verified at once by the verification service (which
    writes its own audit entry and emails them after commit)."""
    with transaction.atomic():
        ensure_profile(user=user)
        profile = Profile.objects.select_for_update().get(user=user)
        User.objects.filter(pk=user.pk).update(full_name=full_name)
        user.full_name = full_name

        organisation_changed = profile.organisation_id != (organisation.pk if organisation else None)
        withdrawn_status = profile.affiliation_status
        if organisation_changed:
            previous = profile.organisation
            profile.organisation = organisation
            if profile.affiliation_status != Profile.Affiliation.UNVERIFIED:
                profile.affiliation_status = Profile.Affiliation.UNVERIFIED
                profile.affiliation_note = ""
                profile.affiliation_requested_at = None
                profile.affiliation_verified_at = None
                profile.affiliation_verified_by = None
                record_audit(
                    actor=user,
                    action="profile.affiliation_reset",
                    target=user,
                    summary=_(
                        "Changed organisation from %(old)s to %(new)s: affiliation is no longer verified"
                    )
                    % {
                        "old": previous.name if previous else "-",
                        "new": organisation.name if organisation else "-",
                    },
                    before={
                        "organisation": previous.name if previous else None,
                        "affiliation_status": withdrawn_status,
                    },
                    after={
                        "organisation": organisation.name if organisation else None,
                        "affiliation_status": Profile.Affiliation.UNVERIFIED,
                    },
                )
        profile.job_title = job_title
        profile.function = function
        profile.bio = bio
        profile.languages = list(dict.fromkeys(languages))
        profile.listed_in_directory = listed_in_directory
        profile.available_as_expert = available_as_expert
        profile.save()
        profile.expertise.set(list(expertise))

        if organisation_changed and affiliation_from_email(user, organisation):
            from hub.services.verification import verify_by_email_domain

            verify_by_email_domain(user=user)
            profile.refresh_from_db()
    return profile


# --- Contact ------------------------------------------------------------------------------------------------


class ContactRateLimited(Exception):
    """The sender has sent as many messages as allowed for now."""

    def __init__(self, *, per: str, limit: int) -> None:
        self.per = per
        self.limit = limit
        super().__init__(f"contact rate limit reached: {limit} per {per}")


def can_write_to(sender: Any, recipient: Any) -> bool:
    """A member may write to someone opted into a directory, or answer someone who wrote to them recently.
    Never to themselves, to former members or to inactive accounts."""
    if permissions.can_contact_person(sender, recipient):
        return True
    return bool(
        permissions.is_member(sender)
        and recipient is not None
        and recipient.pk != sender.pk
        and recipient.is_active
        and not recipient.is_former_member
        and selectors.has_written_to(sender=recipient, recipient=sender)
    )


def contact_person(*, sender: Any, recipient: Any, subject: str, message: str) -> ContactMessage:
    """Send `recipient` an email from `sender` through the portal, revealing neither address: it comes from
    DEFAULT_FROM_EMAIL with no Reply-To, names the sender, and links to the portal to answer.

    Rate-limited per sender (settings.CONTACT_RATE_LIMIT_PER_HOUR and _PER_DAY): the sender's user row is locked
    (select_for_update) while counting, so two simultaneous sends cannot both slip under the limit. Records a
    ContactMessage (who wrote to whom and when; not the text) and queues the email when the transaction commits.
    Raises PermissionDenied if the sender may not write to the recipient and ContactRateLimited when over a limit
    (nothing is recorded or sent)."""
    if not can_write_to(sender, recipient):
        raise PermissionDenied
    subject = " ".join(subject.split())[:CONTACT_SUBJECT_MAX_LENGTH]
    message = message.strip()[:CONTACT_MESSAGE_MAX_LENGTH]
    with transaction.atomic():
        User.objects.select_for_update().only("pk").get(pk=sender.pk)
        sent_last_hour, sent_last_day = selectors.contact_counts(sender=sender)
        if sent_last_hour >= settings.CONTACT_RATE_LIMIT_PER_HOUR:
            raise ContactRateLimited(per="hour", limit=settings.CONTACT_RATE_LIMIT_PER_HOUR)
        if sent_last_day >= settings.CONTACT_RATE_LIMIT_PER_DAY:
            raise ContactRateLimited(per="day", limit=settings.CONTACT_RATE_LIMIT_PER_DAY)
        record = ContactMessage.objects.create(sender=sender, recipient=recipient, created_at=timezone.now())
        _send_contact_email(sender=sender, recipient=recipient, subject=subject, message=message)
    return record


def _send_contact_email(*, sender: Any, recipient: Any, subject: str, message: str) -> None:
    sender_profile = Profile.objects.select_related("organisation").filter(user=sender).first()
    sender_is_listed = bool(
        sender_profile and (sender_profile.listed_in_directory or sender_profile.available_as_expert)
    )
    context = {
        "site_name": settings.SITE_NAME,
        "recipient_name": recipient.display_name,
        "sender_name": sender.display_name,
        "sender_job_title": sender_profile.job_title if sender_profile else "",
        "sender_organisation": (
            sender_profile.organisation.name if sender_profile and sender_profile.organisation else ""
        ),
        "subject": subject,
        "message": message,
        "reply_url": settings.SITE_URL + reverse("hub:person_contact", kwargs={"pk": sender.pk}),
        "sender_profile_url": (
            settings.SITE_URL + reverse("hub:person_detail", kwargs={"pk": sender.pk})
            if sender_is_listed
            else ""
        ),
        "profile_edit_url": settings.SITE_URL + reverse("hub:profile_edit"),
        "information_officer_email": settings.INFORMATION_OFFICER_EMAIL,
        "recipient_is_listed": Profile.objects.filter(user=recipient)
        .filter(Q(listed_in_directory=True) | Q(available_as_expert=True))
        .exists(),
    }
    body = render_to_string("hub/email/person_contact.txt", context)
    email_subject = _("[%(site)s] %(sender)s: %(subject)s") % {
        "site": settings.SITE_NAME,
        "sender": sender.display_name,
        "subject": subject,
    }
    # No Reply-To, no Cc: the recipient answers through the portal, so neither address is revealed.
    EmailMessage(
        subject=" ".join(email_subject.split())[:200],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    ).send()
