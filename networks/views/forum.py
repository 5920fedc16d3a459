"""IN PROGRESS: a helper replaces this module."""
from django.http import Http404


def topic_list(request, **kwargs):
    raise Http404


def topic_create(request, **kwargs):
    raise Http404


def topic_detail(request, **kwargs):
    raise Http404


def reply_create(request, **kwargs):
    raise Http404


def topic_to_resource(request, **kwargs):
    raise Http404


def post_edit(request, **kwargs):
    raise Http404


def post_delete(request, **kwargs):
    raise Http404


def post_helpful(request, **kwargs):
    raise Http404


def post_accept(request, **kwargs):
    raise Http404

