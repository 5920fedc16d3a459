"""{% post_url "post_edit" network post %}: a post's action URL, reversed once per network and action.

A topic page shows up to 22 posts with up to six action links each; reversing each one costs more than rendering
the post. The URL pattern is reversed once with a placeholder id, and the post's id is put in its place."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

_PLACEHOLDER = 987654321987  # an id no post has; it appears once in the reversed path


@lru_cache(maxsize=2048)
def _pattern(name: str, slug: str, prefix: str, urlconf: Any) -> tuple[str, str]:
    url = reverse(f"networks:{name}", kwargs={"slug": slug, "post_id": _PLACEHOLDER}, urlconf=urlconf)
    before, _, after = url.partition(str(_PLACEHOLDER))
    return before, after


@register.simple_tag
def post_url(name: str, network: Any, post: Any) -> str:
    before, after = _pattern(name, network.slug, get_script_prefix(), get_urlconf())
    return f"{before}{int(post.pk)}{after}"
