"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def my_library(request, **kwargs):
    raise Http404


def saved_search_create(request, **kwargs):
    raise Http404


def saved_search_edit(request, **kwargs):
    raise Http404


def toggle_saved(request, **kwargs):
    raise Http404

