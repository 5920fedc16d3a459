"""Every write about who receives the newsletters: public sign-up with double opt-in, confirmation, a member's
one-click subscription, the token-based manage page, one-click unsubscribe, suppression, bounces and complaints,
and erasure. CSV import and export live in newsletters.services.subscriber_csv and are re-exported here.

The rules these functions keep:
- nobody is subscribed without a ConsentRecord saying when, how and with which wording;
- a public sign-up stays pending until the address owner confirms through the emailed link;
- a Suppression (hash of the address) is lifted only by a new confirmed opt-in (confirmation or a member's own
  click), never by an import or an unconfirmed sign-up;
- the sign-up page never reveals whether an address is already on a list;
- unsubscribing, bouncing and complaining are idempotent: a replay changes nothing.
"""

from __future__ import annotations

import enum
import logging
import re
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Language
from hub.services.audit import record_audit
from newsletters.models import (
    ConsentRecord,
    Delivery,
    Issue,
    Newsletter,
    Subscriber,
    Subscription,
    Suppression,
    email_hash,
    normalise_email,
)

logger = logging.getLogger(__name__)

ACTIVE = (Subscription.Status.PENDING, Subscription.Status.SUBSCRIBED)
ACTION_ERASED = "newsletters.subscriber_erased"

# Sign-up rate limits (settings, per hour). NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR stops one machine from filling the
# table or using the form to mail strangers. NEWSLETTER_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR caps the confirmation (or
# "already subscribed") emails to one inbox, so the form cannot be used to flood someone; further attempts show the
# same page and send nothing.


class SubscriptionError(ValueError):
    """A subscription change that cannot be made; the message is shown to the person."""


class ConfirmationInvalid(SubscriptionError):
    """A confirmation link that no longer confirms anything (used after an unsubscribe, or never valid)."""


class SignUpRateLimited(SubscriptionError):
    """Too many sign-ups from one client in the last hour."""


class SignUpOutcome(enum.Enum):
    CONFIRMATION_SENT = "confirmation_sent"
    ALREADY_SUBSCRIBED_NOTICE_SENT = "already_subscribed_notice_sent"
    MAIL_THROTTLED = "mail_throttled"


# --- Rate limiting ----------------------------------------------------------------------------------------------


def _count_in_window(key: str, *, window_seconds: int = 3600) -> int:
    """Count one event in the current fixed window and return the count so far. Uses the shared cache, so the limit
    holds across processes. (Approximate under exact concurrency: two simultaneous requests may both count once;
    that is fine for abuse limiting, and cheaper than a lock.)"""
    bucket = int(time.time() // window_seconds)
    full_key = f"newsletters:rate:{key}:{bucket}"
    count = int(cache.get(full_key, 0)) + 1
    cache.set(full_key, count, timeout=window_seconds)
    return count


def check_signup_rate(*, client_ip: str) -> None:
    """Count one sign-up attempt from `client_ip`; raise SignUpRateLimited above
    NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR."""
    if _count_in_window(f"ip:{client_ip}") > settings.NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR:
        raise SignUpRateLimited(
            _("There have been too many sign-ups from your network in the last hour. Try again in an hour.")
        )


def _may_mail_address(email: str) -> bool:
    # Keyed by the hash so the cache never holds the address itself.
    return _count_in_window(f"mail:{email_hash(email)}") <= settings.NEWSLETTER_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR


# --- Helpers ----------------------------------------------------------------------------------------------------


def lift_suppression(*, email: str) -> None:
    """The address opted in anew (confirmed, or a member's own click): mail may reach it again."""
    Suppression.objects.filter(email_hash=email_hash(email)).delete()


def suppress(*, email: str, reason: str) -> Suppression:
    """Remember (as a hash only) that `email` must not be mailed; the latest reason wins. Idempotent."""
    suppression, _created = Suppression.objects.update_or_create(
        email_hash=email_hash(email), defaults={"reason": reason}
    )
    return suppression


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email_hash=email_hash(email)).exists()


def _open_consent(subscription: Subscription) -> ConsentRecord | None:
    """The newest unconfirmed sign-up consent given since the subscription last ended (an older one would let a
    stale confirmation link re-subscribe someone who has since left)."""
    consents = subscription.consents.filter(method=ConsentRecord.Method.FORM, confirmed_at__isnull=True)
    if subscription.unsubscribed_at:
        consents = consents.filter(given_at__gt=subscription.unsubscribed_at)
    return consents.order_by("-given_at", "-pk").first()


def has_open_consent(subscription: Subscription) -> bool:
    """Whether a confirmation link for this subscription would still confirm something."""
    return _open_consent(subscription) is not None


def _mail_confirmation(*, subscription: Subscription) -> None:
    from newsletters import tokens

    newsletter = subscription.newsletter
    context = {
        "newsletter": newsletter,
        "subscriber": subscription.subscriber,
        "confirm_url": tokens.confirm_url(subscription=subscription),
        "days": settings.NEWSLETTER_CONFIRM_TOKEN_DAYS,
        "site_name": settings.SITE_NAME,
    }
    subject = _("Confirm your subscription to %(name)s") % {"name": newsletter.name}
    body = render_to_string("newsletters/email/subscription_confirm.txt", context)
    address = subscription.subscriber.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))


def _mail_already_subscribed(*, subscription: Subscription) -> None:
    from newsletters import tokens

    newsletter = subscription.newsletter
    context = {
        "newsletter": newsletter,
        "subscriber": subscription.subscriber,
        "manage_url": tokens.manage_url(subscriber=subscription.subscriber),
        "site_name": settings.SITE_NAME,
    }
    subject = _("You already receive %(name)s") % {"name": newsletter.name}
    body = render_to_string("newsletters/email/subscription_already.txt", context)
    address = subscription.subscriber.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))


def _fill_blanks(subscriber: Subscriber, values: dict[str, Any]) -> list[str]:
    """Set the given fields only where the subscriber has nothing yet (an unconfirmed visitor must not be able to
    overwrite what the address owner told us). Returns the changed field names."""
    changed = []
    for name, value in values.items():
        if value in (None, "") or getattr(subscriber, name) not in (None, ""):
            continue
        setattr(subscriber, name, value)
        changed.append(name)
    return changed


# --- Public sign-up and confirmation ----------------------------------------------------------------------------


def _request_confirmation(
    *, subscriber: Subscriber, newsletter: Newsletter, wording: str, source: str
) -> SignUpOutcome:
    """Inside a transaction: the sign-up's pending subscription and unconfirmed consent, and the one email that tells
    the address owner what to do. Existing subscriptions keep their status until confirmed."""
    subscription, _created = Subscription.objects.get_or_create(
        subscriber=subscriber, newsletter=newsletter, defaults={"status": Subscription.Status.PENDING}
    )
    subscription = Subscription.objects.select_for_update().select_related("subscriber", "newsletter").get(
        pk=subscription.pk
    )
    may_mail = _may_mail_address(subscriber.email)
    if subscription.status == Subscription.Status.SUBSCRIBED:
        if not may_mail:
            return SignUpOutcome.MAIL_THROTTLED
        _mail_already_subscribed(subscription=subscription)
        return SignUpOutcome.ALREADY_SUBSCRIBED_NOTICE_SENT
    consent = _open_consent(subscription)
    if consent is None:
        ConsentRecord.objects.create(
            subscription=subscription, method=ConsentRecord.Method.FORM, wording=wording, source=source[:300]
        )
    else:
        # One open request per subscription: a repeated sign-up renews it instead of piling up rows.
        consent.wording, consent.given_at, consent.source = wording, timezone.now(), source[:300]
        consent.save(update_fields=["wording", "given_at", "source"])
    if not may_mail:
        return SignUpOutcome.MAIL_THROTTLED
    _mail_confirmation(subscription=subscription)
    return SignUpOutcome.CONFIRMATION_SENT


def subscribe_public(
    *,
    newsletter: Newsletter,
    email: str,
    name: str = "",
    municipality: Any = None,
    function: str = "",
    language: str = "",
    wording: str | None = None,
    source: str = "",
) -> SignUpOutcome:
    """Public sign-up (double opt-in). Creates the subscriber if new (details are only filled in where blank, so a
    stranger cannot change someone's record), a pending subscription and an unconfirmed ConsentRecord(method=form)
    with the wording shown, and, after commit, emails a confirmation link. For an address already subscribed it
    creates nothing and emails a "you already receive this" note with a manage link instead, so the page the
    visitor sees is the same either way. At most NEWSLETTER_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR emails per address
    per hour."""
    email = normalise_email(email)
    values = {
        "name": name.strip(),
        "municipality": municipality,
        "province": municipality.province if municipality is not None else None,
        "function": function,
        "language": language,
    }
    with transaction.atomic():
        subscriber, created = Subscriber.objects.get_or_create(
            email=email, defaults={key: value for key, value in values.items() if value not in (None, "")}
        )
        if not created:
            subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
            changed = _fill_blanks(subscriber, {key: values[key] for key in ("name", "municipality", "province")})
            if changed:
                subscriber.save(update_fields=changed)
        return _request_confirmation(
            subscriber=subscriber,
            newsletter=newsletter,
            wording=wording if wording is not None else newsletter.consent_wording,
            source=source or _("Sign-up form"),
        )


def confirm_subscription(*, subscription: Subscription) -> Subscription:
    """Double opt-in, step two: the address owner followed the emailed link and confirmed. Marks the open consent
    confirmed, the subscription subscribed, and lifts any suppression of the address (this is the new opt-in that
    may end one), resetting its soft-bounce count. Confirming again changes nothing. Raises ConfirmationInvalid
    when there is nothing left to confirm (for example the person unsubscribed after asking)."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().select_related("subscriber").get(pk=subscription.pk)
        consent = _open_consent(subscription)
        if consent is None:
            if subscription.status == Subscription.Status.SUBSCRIBED:
                return subscription
            raise ConfirmationInvalid(_("This confirmation link has already been used or is no longer valid."))
        now = timezone.now()
        consent.confirmed_at = now
        consent.save(update_fields=["confirmed_at"])
        _start(subscription, now)
        lift_suppression(email=subscription.subscriber.email)
        Subscriber.objects.filter(pk=subscription.subscriber_id).update(soft_bounce_count=0)
    return subscription


def _start(subscription: Subscription, now: Any) -> None:
    subscription.status = Subscription.Status.SUBSCRIBED
    subscription.subscribed_at = now
    subscription.unsubscribed_at = None
    subscription.ended_by_issue = None
    subscription.save(update_fields=["status", "subscribed_at", "unsubscribed_at", "ended_by_issue"])


# --- Members ----------------------------------------------------------------------------------------------------


def _profile_values(user: Any) -> dict[str, Any]:
    from hub.models import Profile

    profile = (
        Profile.objects.select_related("organisation__municipality__province", "organisation__province")
        .filter(user=user)
        .first()
    )
    if profile is None:
        return {}
    values: dict[str, Any] = {"function": profile.function}
    organisation = profile.organisation
    if organisation is not None:
        if organisation.municipality is not None:
            values["municipality"] = organisation.municipality
            values["province"] = organisation.municipality.province
        elif organisation.province is not None:
            values["province"] = organisation.province
    languages = [code for code in (profile.languages or []) if code in Language.values]
    if languages:
        values["language"] = languages[0]
    return values


def subscriber_for_member(*, user: Any) -> Subscriber | None:
    """The member's subscriber record: the one linked to the account, else the one with the account's address."""
    subscriber = Subscriber.objects.filter(user=user).first()
    if subscriber is None and user.email:
        subscriber = Subscriber.objects.filter(email=normalise_email(user.email)).first()
    return subscriber


def subscribe_member(*, newsletter: Newsletter, user: Any) -> Subscription:
    """A signed-in member subscribes with one click. Their verified account address is the confirmation, so the
    subscription is confirmed at once with a ConsentRecord(method=member) carrying the wording shown beside the
    button; the subscriber is linked to the account and takes municipality, province, function and language from the
    profile; any suppression of the address is lifted (the member opted in anew). Idempotent. Raises
    SubscriptionError if the member may not subscribe to this newsletter."""
    from newsletters.permissions import can_subscribe_as_member

    if not can_subscribe_as_member(user, newsletter):
        raise SubscriptionError(_("You cannot subscribe to this newsletter."))
    with transaction.atomic():
        subscriber = subscriber_for_member(user=user)
        if subscriber is None:
            subscriber, _created = Subscriber.objects.get_or_create(
                email=normalise_email(user.email), defaults={"name": user.full_name, "user": user}
            )
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        changed = []
        if subscriber.user_id is None and not Subscriber.objects.filter(user=user).exists():
            subscriber.user = user
            changed.append("user")
        for field_name, value in _profile_values(user).items():
            if value not in (None, "") and getattr(subscriber, field_name) != value:
                setattr(subscriber, field_name, value)
                changed.append(field_name)
        if not subscriber.name and user.full_name:
            subscriber.name = user.full_name
            changed.append("name")
        if changed:
            subscriber.save(update_fields=changed)
        subscription, _created = Subscription.objects.get_or_create(subscriber=subscriber, newsletter=newsletter)
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status == Subscription.Status.SUBSCRIBED:
            return subscription
        now = timezone.now()
        ConsentRecord.objects.create(
            subscription=subscription,
            method=ConsentRecord.Method.MEMBER,
            wording=newsletter.consent_wording,
            given_at=now,
            confirmed_at=now,
            source=_("Signed-in member's one-click subscription"),
            recorded_by=user,
        )
        _start(subscription, now)
        lift_suppression(email=subscriber.email)
        if subscriber.soft_bounce_count:
            Subscriber.objects.filter(pk=subscriber.pk).update(soft_bounce_count=0)
    return subscription


# --- Managing and leaving ---------------------------------------------------------------------------------------


def unsubscribe(*, subscription: Subscription, issue_id: int | None = None) -> bool:
    """End a subscription (one-click unsubscribe, the manage page, a member's button). Records when, and which issue's
    link was used (for that issue's report) if it is an issue of the same newsletter. Only a pending or subscribed
    subscription changes; a replay, or a subscription that already bounced or complained, changes nothing. Returns
    whether anything changed."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status not in ACTIVE:
            return False
        subscription.status = Subscription.Status.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        subscription.ended_by_issue_id = (
            issue_id
            if issue_id is not None
            and Issue.objects.filter(pk=issue_id, newsletter_id=subscription.newsletter_id).exists()
            else None
        )
        subscription.save(update_fields=["status", "unsubscribed_at", "ended_by_issue"])
    return True


def unsubscribe_everything(*, subscriber: Subscriber) -> int:
    """"Stop all email": every active subscription ends and the address is suppressed (reason unsubscribed), so not
    even a later import can add it back; only a new confirmed opt-in can. Returns how many subscriptions ended."""
    with transaction.atomic():
        ended = Subscription.objects.filter(subscriber=subscriber, status__in=ACTIVE).update(
            status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now(), ended_by_issue=None
        )
        suppress(email=subscriber.email, reason=Suppression.Reason.UNSUBSCRIBED)
    return ended


def request_subscription(*, subscriber: Subscriber, newsletter: Newsletter) -> SignUpOutcome:
    """Subscribe from the manage page: the same double opt-in as the public form (a manage link can be forwarded or
    old, so only the inbox's owner can confirm)."""
    with transaction.atomic():
        return _request_confirmation(
            subscriber=subscriber,
            newsletter=newsletter,
            wording=newsletter.consent_wording,
            source=_("Manage page"),
        )


def update_subscriber_details(*, subscriber: Subscriber, name: str, language: str) -> Subscriber:
    """The address owner changes their name and preferred language from the manage page."""
    Subscriber.objects.filter(pk=subscriber.pk).update(name=name.strip(), language=language)
    subscriber.name, subscriber.language = name.strip(), language
    return subscriber


# --- Bounces and complaints -------------------------------------------------------------------------------------

MESSAGE_ID = re.compile(r"delivery-(\d+)-(\d+)@")


def find_delivery(*, subscriber: Subscriber, message_ids: list[str] | tuple[str, ...] = ()) -> Delivery | None:
    """The delivery an event is about: by our Message-ID (<delivery-<issue>-<id>@host>) if the provider reports it,
    checked against the subscriber; otherwise the subscriber's most recently sent one."""
    for message_id in message_ids:
        match = MESSAGE_ID.search(str(message_id or ""))
        if match:
            delivery = Delivery.objects.filter(
                pk=int(match[2]), issue_id=int(match[1]), subscriber=subscriber
            ).first()
            if delivery is not None:
                return delivery
    return (
        Delivery.objects.filter(subscriber=subscriber, sent_at__isnull=False)
        .order_by("-sent_at", "-pk")
        .first()
    )


def _end_active(subscriber: Subscriber, *, status: str, issue: Issue | None) -> int:
    now = timezone.now()
    active = Subscription.objects.filter(subscriber=subscriber, status__in=ACTIVE)
    count = 0
    if issue is not None:
        count += active.filter(newsletter_id=issue.newsletter_id).update(
            status=status, unsubscribed_at=now, ended_by_issue=issue
        )
    count += active.update(status=status, unsubscribed_at=now, ended_by_issue=None)
    return count


def handle_bounce(
    *, email: str, hard: bool = True, message_ids: list[str] | tuple[str, ...] = (), when: Any = None
) -> str:
    """A provider reports that mail to `email` bounced. Hard: every active subscription of the address becomes
    bounced, the address is suppressed (reason bounced) and the delivery's bounced_at is set. Soft: the subscriber's
    soft-bounce count goes up by one; at NEWSLETTER_SOFT_BOUNCE_LIMIT it counts as hard. Unknown addresses are
    ignored. Returns "hard", "soft" or "unknown"."""
    email = normalise_email(email)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
        if subscriber is None:
            return "unknown"
        if not hard:
            Subscriber.objects.filter(pk=subscriber.pk).update(soft_bounce_count=F("soft_bounce_count") + 1)
            subscriber.refresh_from_db(fields=["soft_bounce_count"])
            if subscriber.soft_bounce_count < settings.NEWSLETTER_SOFT_BOUNCE_LIMIT:
                return "soft"
        delivery = find_delivery(subscriber=subscriber, message_ids=message_ids)
        _end_active(subscriber, status=Subscription.Status.BOUNCED, issue=None)
        suppress(email=email, reason=Suppression.Reason.BOUNCED)
        if delivery is not None and delivery.bounced_at is None:
            Delivery.objects.filter(pk=delivery.pk).update(bounced_at=when or timezone.now())
    return "hard"


def handle_complaint(*, email: str, message_ids: list[str] | tuple[str, ...] = (), when: Any = None) -> bool:
    """A recipient marked a newsletter as spam. Every active subscription of the address ends as complained (the one
    of the complained-about issue's newsletter records that issue), the address is suppressed (reason complained)
    and the delivery's complained_at is set. Idempotent. Returns False for an unknown address."""
    email = normalise_email(email)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
        if subscriber is None:
            return False
        delivery = find_delivery(subscriber=subscriber, message_ids=message_ids)
        issue = delivery.issue if delivery is not None else None
        _end_active(subscriber, status=Subscription.Status.COMPLAINED, issue=issue)
        suppress(email=email, reason=Suppression.Reason.COMPLAINED)
        if delivery is not None and delivery.complained_at is None:
            Delivery.objects.filter(pk=delivery.pk).update(complained_at=when or timezone.now())
    return True


def record_delivered(*, email: str) -> None:
    """A provider confirms delivery: consecutive soft bounces start counting from zero again."""
    Subscriber.objects.filter(email=normalise_email(email), soft_bounce_count__gt=0).update(soft_bounce_count=0)


# --- Erasure ----------------------------------------------------------------------------------------------------


def erase_subscriber(*, subscriber: Subscriber, acting_user: Any = None) -> None:
    """A subscriber's erasure request (or their account's deletion): their deliveries stay for the issues' figures
    but lose the subscriber and the address; subscriptions and consent records (with their wording and sources) are
    deleted with the subscriber; only a hash of the address remains, as Suppression(erased), so it is never mailed
    again unless it opts in anew. Writes an audit entry naming only the subscriber's number."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        address = subscriber.email
        Delivery.objects.filter(Q(subscriber=subscriber) | Q(email=address)).update(
            subscriber=None, subscription=None, email=""
        )
        ConsentRecord.objects.filter(subscription__subscriber=subscriber).delete()
        suppress(email=address, reason=Suppression.Reason.ERASED)
        number = subscriber.pk
        subscriber.delete()
        record_audit(
            actor=acting_user,
            action=ACTION_ERASED,
            summary=_("Newsletter subscriber %(number)s erased; only a hashed suppression entry is kept")
            % {"number": number},
        )


def erase_member_subscriptions(user: Any) -> None:
    """Account deletion: erase the subscriber linked to the account and the one with the account's address."""
    query = Q(user=user)
    if user.email:
        query |= Q(email=normalise_email(user.email))
    for subscriber in Subscriber.objects.filter(query):
        erase_subscriber(subscriber=subscriber, acting_user=None)


from newsletters.services.subscriber_csv import (  # noqa: E402 - re-exported: CSV import and export are subscription writes too
    COLUMNS as IMPORT_COLUMNS,
    ImportFileError,
    ImportReport,
    decode_upload,
    export_subscribers_csv,
    import_subscribers,
)

__all__ = [
    "ACTIVE",
    "IMPORT_COLUMNS",
    "ConfirmationInvalid",
    "ImportFileError",
    "ImportReport",
    "SignUpOutcome",
    "SignUpRateLimited",
    "SubscriptionError",
    "check_signup_rate",
    "confirm_subscription",
    "decode_upload",
    "erase_member_subscriptions",
    "erase_subscriber",
    "export_subscribers_csv",
    "find_delivery",
    "has_open_consent",
    "handle_bounce",
    "handle_complaint",
    "import_subscribers",
    "is_suppressed",
    "lift_suppression",
    "record_delivered",
    "request_subscription",
    "subscribe_member",
    "subscribe_public",
    "subscriber_for_member",
    "suppress",
    "unsubscribe",
    "unsubscribe_everything",
    "update_subscriber_details",
]
