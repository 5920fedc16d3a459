"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def resource_list(request, **kwargs):
    raise Http404


def resource_feed(request, **kwargs):
    raise Http404

