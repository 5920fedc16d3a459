"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def notification_list(request, **kwargs):
    raise Http404


def notification_settings(request, **kwargs):
    raise Http404


def topic_watch(request, **kwargs):
    raise Http404

