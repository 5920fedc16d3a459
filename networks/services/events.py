"""Learning events: creating and editing them, registration with a waiting list, cancellation with automatic
promotion, reminder emails the day before, and attendance marking.

Concurrency: every change to an event's registrations first locks the event row (`select_for_update`), so two people
taking the last seat at once are served one after the other: one gets the seat, the other the waiting list.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hub.services.audit import record_audit
from networks.models import Event, Registration
from resources.markdown import render_markdown

EVENT_FIELDS = (
    "title",
    "event_type",
    "description",
    "starts_at",
    "ends_at",
    "venue",
    "province",
    "online_url",
    "capacity",
    "registration_deadline",
    "is_published",
    "is_cancelled",
)


class RegistrationClosed(Exception):
    """Registration is not possible (deadline passed, event over, cancelled or unpublished)."""


@dataclass(frozen=True)
class RegistrationResult:
    registration: Registration
    changed: bool  # False when the person was already registered or waitlisted


def _unique_slug(title: str, starts_at: datetime.datetime) -> str:
    base = (slugify(title)[:180] or "event") + "-" + timezone.localtime(starts_at).strftime("%Y-%m-%d")
    slug, number = base, 2
    while Event.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def create_event(*, network: Any, acting_user: Any, resources: Iterable[Any] = (), **fields: Any) -> Event:
    """Create an event of `network` (None: a hub-wide event), render its description, link its post-event pack
    (also added to the network's library) and write the audit log."""
    with transaction.atomic():
        values = {name: fields[name] for name in EVENT_FIELDS if name in fields}
        event = Event(network=network, created_by=acting_user, **values)
        event.slug = _unique_slug(event.title, event.starts_at)
        event.description_html = render_markdown(event.description)
        event.save()
        _set_resources(event, resources)
        record_audit(actor=acting_user, action="event.create", target=event, summary=event.title)
    return event


def update_event(*, event: Event, acting_user: Any, resources: Iterable[Any] | None = None, **fields: Any) -> Event:
    """Change an event's details. If capacity grows, people waiting are promoted (and emailed) in queue order; if
    the event is cancelled, everyone registered or waiting is emailed (on commit)."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name in EVENT_FIELDS:
            if name in fields and getattr(locked, name) != fields[name]:
                before[name] = str(getattr(locked, name))
                after[name] = str(fields[name])
                setattr(locked, name, fields[name])
        locked.description_html = render_markdown(locked.description)
        locked.save()
        if resources is not None:
            _set_resources(locked, resources)
        if not locked.is_cancelled:
            _promote_waiting(locked)
        elif before.get("is_cancelled") == "False":
            # Just cancelled: tell everyone holding a place or waiting.
            for registration in locked.registrations.exclude(status=Registration.Status.CANCELLED).select_related(
                "user"
            ):
                _email_on_commit(locked, registration.user, "cancelled")
        record_audit(actor=acting_user, action="event.update", target=locked, before=before, after=after)
    return locked


def _set_resources(event: Event, resources: Iterable[Any]) -> None:
    resources = list(resources)
    event.resources.set(resources)
    if event.network_id and resources:
        event.network.resources.add(*resources)


def registration_open(event: Event, now: datetime.datetime | None = None) -> bool:
    """Whether people may still register (or join the waiting list)."""
    now = now or timezone.now()
    if not event.is_published or event.is_cancelled or event.ends_at < now:
        return False
    if event.registration_deadline and event.registration_deadline < now:
        return False
    return True


def registered_count(event: Event) -> int:
    return event.registrations.filter(status=Registration.Status.REGISTERED).count()


def places_left(event: Event) -> int | None:
    """Seats still free; None when the event has no limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - registered_count(event), 0)


def waitlist_position(registration: Registration | None) -> int | None:
    """1 for the first person on the waiting list; None when not waiting."""
    if registration is None or registration.status != Registration.Status.WAITLISTED:
        return None
    return (
        Registration.objects.filter(
            event_id=registration.event_id,
            status=Registration.Status.WAITLISTED,
            waitlisted_at__lt=registration.waitlisted_at,
        ).count()
        + 1
    )


def register(*, event: Event, user: Any) -> RegistrationResult:
    """Register `user` for `event`, or put them on the waiting list when it is full. Registering again is harmless
    (the same registration comes back, unchanged). Raises RegistrationClosed past the deadline. Emails a
    confirmation on commit."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        existing = Registration.objects.filter(event=locked, user=user).first()
        if existing and existing.status in (Registration.Status.REGISTERED, Registration.Status.WAITLISTED):
            return RegistrationResult(existing, changed=False)
        if not registration_open(locked):
            raise RegistrationClosed(_("Registration for this event is closed."))
        now = timezone.now()
        full = locked.capacity is not None and registered_count(locked) >= locked.capacity
        status = Registration.Status.WAITLISTED if full else Registration.Status.REGISTERED
        registration, _created = Registration.objects.update_or_create(
            event=locked,
            user=user,
            defaults={
                "status": status,
                "created_at": now,
                "waitlisted_at": now if full else None,
                "promoted_at": None,
                "cancelled_at": None,
                "attended": None,
            },
        )
        _email_on_commit(locked, user, "registered" if not full else "waitlisted")
    return RegistrationResult(registration, changed=True)


def cancel_registration(*, event: Event, user: Any) -> Registration | None:
    """Cancel `user`'s place or waiting-list spot. Cancelling twice (or without a registration) changes nothing.
    When a seat frees up, the first person waiting is promoted and emailed on commit."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        registration = Registration.objects.filter(event=locked, user=user).first()
        if registration is None or registration.status == Registration.Status.CANCELLED:
            return registration
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        if locked.ends_at >= timezone.now() and not locked.is_cancelled:
            _promote_waiting(locked)
    return registration


def _promote_waiting(event: Event) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served. Caller holds the event row lock."""
    if event.capacity is None:
        waiting = list(event.registrations.filter(status=Registration.Status.WAITLISTED).order_by("waitlisted_at", "id"))
    else:
        free = event.capacity - registered_count(event)
        if free <= 0:
            return []
        waiting = list(
            event.registrations.filter(status=Registration.Status.WAITLISTED).order_by("waitlisted_at", "id")[:free]
        )
    now = timezone.now()
    for registration in waiting:
        registration.status = Registration.Status.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        _email_on_commit(event, registration.user, "promoted")
    return waiting


def _event_url(event: Event) -> str:
    return settings.SITE_URL + event.get_absolute_url()


def _when(event: Event) -> str:
    starts = timezone.localtime(event.starts_at, timezone=_johannesburg())
    ends = timezone.localtime(event.ends_at, timezone=_johannesburg())
    return f"{starts:%A %d %B %Y, %H:%M} – {ends:%H:%M} (SAST)"


def _johannesburg() -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo("Africa/Johannesburg")


def _email_on_commit(event: Event, user: Any, kind: str) -> None:
    subjects = {
        "registered": _("You are registered: %(title)s"),
        "waitlisted": _("You are on the waiting list: %(title)s"),
        "promoted": _("A place opened up – you are now registered: %(title)s"),
        "reminder": _("Reminder: %(title)s is tomorrow"),
        "cancelled": _("Cancelled: %(title)s"),
    }
    intros = {
        "registered": _("You are registered for this event."),
        "waitlisted": _("The event is full, so you are on the waiting list. If a place opens up you will be "
                        "registered automatically and we will email you."),
        "promoted": _("Someone cancelled, so you have moved from the waiting list to a place at this event."),
        "reminder": _("This is a reminder that you are registered for this event."),
        "cancelled": _("We are sorry: the coordinators have cancelled this event."),
    }
    subject = subjects[kind] % {"title": event.title}
    where = event.venue or _("Online (the link is on the event page once you are signed in)")
    body = "\n".join(
        [
            intros[kind],
            "",
            event.title,
            _("When: %(when)s") % {"when": _when(event)},
            _("Where: %(where)s") % {"where": where},
            "",
            _("Details, calendar file and cancellation: %(url)s") % {"url": _event_url(event)},
        ]
    )
    address = user.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))


def send_event_reminders(*, now: datetime.datetime | None = None) -> int:
    """Email everyone registered for events starting within the next 24 hours, once per event (idempotent:
    `reminder_sent_at` is set in the same transaction, and rows being handled elsewhere are skipped).
    Returns how many events were handled. Run hourly by cron (`manage.py send_event_reminders`) or the task."""
    now = now or timezone.now()
    handled = 0
    with transaction.atomic():
        events = list(
            Event.objects.select_for_update(skip_locked=True).filter(
                is_published=True,
                is_cancelled=False,
                reminder_sent_at__isnull=True,
                starts_at__gt=now,
                starts_at__lte=now + datetime.timedelta(hours=24),
            )
        )
        for event in events:
            for registration in event.registrations.filter(status=Registration.Status.REGISTERED).select_related(
                "user"
            ):
                _email_on_commit(event, registration.user, "reminder")
            event.reminder_sent_at = now
            event.save(update_fields=["reminder_sent_at"])
            handled += 1
    return handled


def mark_attendance(*, event: Event, acting_user: Any, attended_ids: Iterable[int]) -> int:
    """Record who came: registered people whose registration id is in `attended_ids` attended, the other registered
    people did not. Returns the number marked as attended."""
    attended = {int(pk) for pk in attended_ids}
    with transaction.atomic():
        registered = event.registrations.filter(status=Registration.Status.REGISTERED)
        came = registered.filter(pk__in=attended).update(attended=True)
        registered.exclude(pk__in=attended).update(attended=False)
        record_audit(actor=acting_user, action="event.attendance", target=event, summary=f"{came} attended")
    return came
