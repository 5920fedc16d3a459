"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def file_download(request, **kwargs):
    raise Http404


def file_preview(request, **kwargs):
    raise Http404

