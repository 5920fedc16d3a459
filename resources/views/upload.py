"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def resource_create(request, **kwargs):
    raise Http404


def my_uploads(request, **kwargs):
    raise Http404


def resource_edit(request, **kwargs):
    raise Http404


def file_version_create(request, **kwargs):
    raise Http404

