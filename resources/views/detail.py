"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def resource_detail(request, **kwargs):
    raise Http404


def cite_bibtex(request, **kwargs):
    raise Http404


def cite_ris(request, **kwargs):
    raise Http404


def feedback(request, **kwargs):
    raise Http404

