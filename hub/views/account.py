"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def profile_edit(request, **kwargs):
    raise Http404


def verification_request(request, **kwargs):
    raise Http404


def data_download(request, **kwargs):
    raise Http404


def account_delete(request, **kwargs):
    raise Http404

