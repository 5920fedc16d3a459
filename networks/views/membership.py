"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def join(request, **kwargs):
    raise Http404


def leave(request, **kwargs):
    raise Http404


def member_list(request, **kwargs):
    raise Http404


def request_list(request, **kwargs):
    raise Http404


def member_manage(request, **kwargs):
    raise Http404


def invite(request, **kwargs):
    raise Http404


def invitation_accept(request, **kwargs):
    raise Http404

