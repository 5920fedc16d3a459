"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def topic_manage(request, **kwargs):
    raise Http404


def post_flag(request, **kwargs):
    raise Http404


def post_revisions(request, **kwargs):
    raise Http404


def moderation_queue(request, **kwargs):
    raise Http404


def post_moderate(request, **kwargs):
    raise Http404

