"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def municipality_list(request, **kwargs):
    raise Http404


def municipality_detail(request, **kwargs):
    raise Http404

