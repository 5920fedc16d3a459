"""Learning events: lists (hub-wide and per network), detail, create/edit, registration, .ics files and calendar
feeds, attendee list with CSV export and attendance marking. Thin: visibility comes from Event.objects.visible_to,
writes from networks.services.events."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hub.permissions import is_member
from hub.spreadsheets import csv_safe
from networks.filters import EventFilter
from networks.forms_events import AttendanceForm, EventForm
from networks.ics import build_calendar
from networks.models import Event, Network, Registration
from networks.permissions import can_manage_events
from networks.services import events as event_services
from resources.models import Resource

PER_PAGE = 20
CALENDAR_SALT = "networks.events.calendar"


def _visible_event(request: HttpRequest, slug: str) -> Event:
    return get_object_or_404(Event.objects.visible_to(request.user).select_related("network", "province"), slug=slug)


def _managed_event(request: HttpRequest, slug: str) -> Event:
    """An event the person may manage (drafts included); 404 for everyone else, so nothing leaks."""
    event = _any_event(slug)
    if not can_manage_events(request.user, event.network):
        raise Http404
    return event


def _any_event(slug: str) -> Event:
    return get_object_or_404(Event.objects.select_related("network", "province"), slug=slug)


def _is_unpublished_manager(request: HttpRequest, slug: str) -> bool:
    """Managers also reach their unpublished (draft) events."""
    event = Event.objects.filter(slug=slug, is_published=False).select_related("network").first()
    return bool(event and can_manage_events(request.user, event.network))


# --- personal calendar tokens -----------------------------------------------------------------------------------


def calendar_token(user: Any) -> str:
    """A signed, non-expiring token naming the person, for calendar apps that send no cookies."""
    return signing.Signer(salt=CALENDAR_SALT).sign(str(user.pk)).replace(":", ".")


def user_from_calendar_token(token: str) -> Any:
    try:
        user_id = signing.Signer(salt=CALENDAR_SALT).unsign(token.replace(".", ":"))
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


# --- lists ------------------------------------------------------------------------------------------------------


def _list(request: HttpRequest, *, network: Network | None) -> HttpResponse:
    events = (
        Event.objects.visible_to(request.user)
        .select_related("network", "province")
        .annotate(registered_total=Count("registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)))
    )
    if network is not None:
        events = events.filter(network=network)
    event_filter = EventFilter(request.GET, queryset=events, user=request.user, with_network=network is None)
    page_obj = Paginator(event_filter.qs, PER_PAGE).get_page(request.GET.get("page"))
    registrations = {}
    if request.user.is_authenticated:
        registrations = dict(
            Registration.objects.filter(user=request.user, event__in=[e.pk for e in page_obj]).values_list(
                "event_id", "status"
            )
        )
    for event in page_obj:
        event.my_status = registrations.get(event.pk)
        event.places_left = None if event.capacity is None else max(event.capacity - event.registered_total, 0)
    crumbs: list[tuple[str, str | None]]
    if network is None:
        crumbs = [(_("Events"), None)]
    else:
        crumbs = [(_("Networks"), "/networks/"), (network.name, network.get_absolute_url()), (_("Events"), None)]
    return render(
        request,
        "networks/event_list.html",
        {
            "network": network,
            "filter": event_filter,
            "page_obj": page_obj,
            "is_past": event_filter.is_past,
            "crumbs": crumbs,
            "can_create": can_manage_events(request.user, network),
            "calendar_token": calendar_token(request.user) if request.user.is_authenticated else "",
        },
    )


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    return _list(request, network=None)


@require_GET
def network_event_list(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_object_or_404(Network.objects.visible_to(request.user), slug=slug)
    return _list(request, network=network)


# --- detail -----------------------------------------------------------------------------------------------------


@require_GET
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if _is_unpublished_manager(request, slug):
        event = _any_event(slug)
    else:
        event = _visible_event(request, slug)
    registration = None
    if request.user.is_authenticated:
        registration = Registration.objects.filter(event=event, user=request.user).first()
    is_registered = registration is not None and registration.status == Registration.Status.REGISTERED
    is_waitlisted = registration is not None and registration.status == Registration.Status.WAITLISTED
    pack = Resource.objects.visible_to(request.user).filter(events=event).order_by("title")
    crumbs: list[tuple[str, str | None]] = [(_("Events"), "/events/")]
    if event.network:
        crumbs = [(_("Networks"), "/networks/"), (event.network.name, event.network.get_absolute_url()),
                  (_("Events"), f"/networks/{event.network.slug}/events/")]
    crumbs.append((event.title, None))
    return render(
        request,
        "networks/event_detail.html",
        {
            "event": event,
            "registration": registration,
            "is_registered": is_registered,
            "is_waitlisted": is_waitlisted,
            "waitlist_position": event_services.waitlist_position(registration),
            "places_left": event_services.places_left(event),
            "registration_open": event_services.registration_open(event),
            "is_past": event.ends_at < timezone.now(),
            "pack": pack,
            "can_manage": can_manage_events(request.user, event.network),
            "may_register": is_member(request.user),
            "crumbs": crumbs,
        },
    )


# --- create / edit ----------------------------------------------------------------------------------------------


def _form_values(form: EventForm) -> dict[str, Any]:
    values = {name: value for name, value in form.cleaned_data.items() if name != "pack"}
    return values


def _create(request: HttpRequest, network: Network | None) -> HttpResponse:
    if not can_manage_events(request.user, network):
        raise Http404
    form = EventForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        event = event_services.create_event(
            network=network, acting_user=request.user, resources=form.cleaned_data["pack"], **_form_values(form)
        )
        messages.success(request, _("The event is saved."))
        return redirect(event.get_absolute_url())
    if network is None:
        crumbs = [(_("Events"), "/events/"), (_("New event"), None)]
    else:
        crumbs = [(_("Networks"), "/networks/"), (network.name, network.get_absolute_url()), (_("New event"), None)]
    return render(request, "networks/event_form.html", {"form": form, "network": network, "crumbs": crumbs})


@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Create an event of a network: its coordinators and site administrators."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    network = get_object_or_404(Network.objects.visible_to(request.user), slug=slug)
    return _create(request, network)


@require_http_methods(["GET", "POST"])
def hub_event_create(request: HttpRequest) -> HttpResponse:
    """Create a hub-wide event (no network): SALGA staff and site administrators."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _create(request, None)


@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    event = _managed_event(request, slug)
    form = EventForm(request.POST if request.method == "POST" else None, instance=event, user=request.user)
    if request.method == "POST" and form.is_valid():
        event = event_services.update_event(
            event=Event.objects.get(pk=event.pk),
            acting_user=request.user,
            resources=form.cleaned_data["pack"],
            **_form_values(form),
        )
        messages.success(request, _("The event is saved."))
        return redirect(event.get_absolute_url())
    crumbs = [(_("Events"), "/events/"), (event.title, event.get_absolute_url()), (_("Edit"), None)]
    return render(
        request, "networks/event_form.html", {"form": form, "event": event, "network": event.network, "crumbs": crumbs}
    )


# --- registration -----------------------------------------------------------------------------------------------


@require_POST
def event_register(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(f"/events/{slug}/")
    event = _visible_event(request, slug)
    if not is_member(request.user):
        messages.error(request, _("Confirm your email address before registering for events."))
        return redirect(event.get_absolute_url())
    try:
        result = event_services.register(event=event, user=request.user)
    except event_services.RegistrationClosed:
        messages.error(request, _("Registration for this event is closed."))
        return redirect(event.get_absolute_url())
    if result.registration.status == Registration.Status.REGISTERED:
        messages.success(request, _("You are registered. We have emailed you the details."))
    else:
        messages.info(request, _("The event is full: you are on the waiting list. We will email you if a place opens up."))
    return redirect(event.get_absolute_url())


@require_POST
def event_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(f"/events/{slug}/")
    event = _visible_event(request, slug)
    event_services.cancel_registration(event=event, user=request.user)
    messages.success(request, _("Your registration is cancelled."))
    return redirect(event.get_absolute_url())


# --- calendar files ---------------------------------------------------------------------------------------------


def _ics_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _registered_ids(user: Any, events: list[Event]) -> set[int]:
    if not getattr(user, "is_authenticated", False) or not events:
        return set()
    return set(
        Registration.objects.filter(
            user=user, event__in=[e.pk for e in events], status=Registration.Status.REGISTERED
        ).values_list("event_id", flat=True)
    )


@require_GET
def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    event = _visible_event(request, slug)
    body = build_calendar([event], online_url_for=_registered_ids(request.user, [event]))
    return _ics_response(body, f"{event.slug[:80]}.ics")


@require_GET
def network_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's events, upcoming and the last few months. Members-only networks: the person is taken from the
    session or from `?token=` (their personal calendar token), so calendar apps without cookies work."""
    user = request.user
    token = request.GET.get("token")
    if token:
        user = user_from_calendar_token(token)
        if user is None:
            raise Http404
    network = get_object_or_404(Network.objects.visible_to(user), slug=slug)
    events = list(Event.objects.visible_to(user).filter(network=network).order_by("starts_at")[:500])
    body = build_calendar(events, name=network.name, online_url_for=_registered_ids(user, events))
    return _ics_response(body, f"{network.slug}.ics")


@require_GET
def personal_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The events a person is registered for, identified by the signed token only (no cookies); tampered -> 404."""
    user = user_from_calendar_token(token)
    if user is None:
        raise Http404
    events = list(
        Event.objects.visible_to(user)
        .filter(registrations__user=user, registrations__status=Registration.Status.REGISTERED)
        .order_by("starts_at")[:500]
    )
    body = build_calendar(events, name=_("My events"), online_url_for={e.pk for e in events})
    return _ics_response(body, "my-events.ics")


# --- attendees --------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def attendee_list(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    event = _managed_event(request, slug)
    registrations = list(
        event.registrations.exclude(status=Registration.Status.CANCELLED)
        .select_related("user", "user__profile__organisation")
        .order_by("status", "created_at", "id")
    )
    registered = [r for r in registrations if r.status == Registration.Status.REGISTERED]
    waiting = sorted(
        (r for r in registrations if r.status == Registration.Status.WAITLISTED), key=lambda r: (r.waitlisted_at, r.pk)
    )
    form = AttendanceForm(request.POST if request.method == "POST" else None, registrations=registered)
    if request.method == "POST" and form.is_valid():
        count = event_services.mark_attendance(
            event=event, acting_user=request.user, attended_ids=form.cleaned_data["attended"]
        )
        messages.success(request, _("Attendance saved: %(count)s attended.") % {"count": count})
        return redirect("events:attendee_list", slug=event.slug)
    crumbs = [(_("Events"), "/events/"), (event.title, event.get_absolute_url()), (_("Attendees"), None)]
    return render(
        request,
        "networks/event_attendees.html",
        {"event": event, "registered": registered, "waiting": waiting, "form": form, "crumbs": crumbs},
    )


@require_GET
def attendee_csv(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    event = _managed_event(request, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug[:80]}-attendees.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Name"), _("Email"), _("Organisation"), _("Status"), _("Registered at"), _("Attended")])
    rows = (
        event.registrations.exclude(status=Registration.Status.CANCELLED)
        .select_related("user", "user__profile__organisation")
        .order_by("status", "created_at", "id")
    )
    for registration in rows:
        profile = getattr(registration.user, "profile", None)
        organisation = profile.organisation if profile and profile.organisation_id else ""
        attended = {True: _("Yes"), False: _("No"), None: ""}[registration.attended]
        writer.writerow(
            [
                csv_safe(registration.user.full_name or ""),
                csv_safe(registration.user.email),
                csv_safe(organisation),
                csv_safe(registration.get_status_display()),
                registration.created_at.isoformat(),
                attended,
            ]
        )
    return response
