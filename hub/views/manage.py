"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def dashboard(request, **kwargs):
    raise Http404


def person_roles_list(request, **kwargs):
    raise Http404


def person_roles_edit(request, **kwargs):
    raise Http404


def verification_queue(request, **kwargs):
    raise Http404


def verification_decide(request, **kwargs):
    raise Http404


def audit_log(request, **kwargs):
    raise Http404

