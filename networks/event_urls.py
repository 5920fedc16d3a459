"""URLs of learning events, mounted at /events/ (namespace "events")."""

from django.urls import path

from networks.views import events

app_name = "events"

urlpatterns = [
    path("", events.event_list, name="event_list"),
    path("new/", events.hub_event_create, name="event_create"),
    path("my-calendar/<str:token>.ics", events.personal_calendar, name="personal_calendar"),
    path("<slug:slug>/", events.event_detail, name="event_detail"),
    path("<slug:slug>/edit/", events.event_edit, name="event_edit"),
    path("<slug:slug>/register/", events.event_register, name="event_register"),
    path("<slug:slug>/cancel/", events.event_cancel, name="event_cancel"),
    path("<slug:slug>/event.ics", events.event_ics, name="event_ics"),
    path("<slug:slug>/attendees/", events.attendee_list, name="attendee_list"),
    path("<slug:slug>/attendees.csv", events.attendee_csv, name="attendee_csv"),
]
