"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def network_list(request, **kwargs):
    raise Http404


def network_detail(request, **kwargs):
    raise Http404

