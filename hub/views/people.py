"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def person_list(request, **kwargs):
    raise Http404


def person_detail(request, **kwargs):
    raise Http404


def person_contact(request, **kwargs):
    raise Http404


def expert_list(request, **kwargs):
    raise Http404

