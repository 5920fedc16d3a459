"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def review_queue(request, **kwargs):
    raise Http404


def overdue_list(request, **kwargs):
    raise Http404


def review_detail(request, **kwargs):
    raise Http404

