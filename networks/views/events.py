"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def network_event_list(request, **kwargs):
    raise Http404


def event_create(request, **kwargs):
    raise Http404


def network_calendar(request, **kwargs):
    raise Http404


def event_list(request, **kwargs):
    raise Http404


def personal_calendar(request, **kwargs):
    raise Http404


def event_detail(request, **kwargs):
    raise Http404


def event_edit(request, **kwargs):
    raise Http404


def event_register(request, **kwargs):
    raise Http404


def event_cancel(request, **kwargs):
    raise Http404


def event_ics(request, **kwargs):
    raise Http404


def attendee_list(request, **kwargs):
    raise Http404


def attendee_csv(request, **kwargs):
    raise Http404

