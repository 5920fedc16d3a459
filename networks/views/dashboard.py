"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def coordinator_dashboard(request, **kwargs):
    raise Http404

