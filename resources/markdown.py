"""Markdown for resource descriptions and collection introductions: CommonMark (markdown-it-py, raw HTML off) then an
nh3 allowlist, so a `<script>`, an inline event handler or a `javascript:` link can never reach a page."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "s", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default": CommonMark with raw HTML disabled, plus tables and strikethrough. Headings start at h2 on pages
    # whose h1 is the title, so "# x" becomes h2 below.
    return MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable(["table", "strikethrough"])


def _demote_headings(html: str) -> str:
    # The page owns the only <h1>; shift a description's headings one level down (h1->h2 ... h5->h6).
    for level in range(5, 0, -1):
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(f"</h{level}>", f"</h{level + 1}>")
    return html


def render_markdown(text: str) -> str:
    """Markdown source -> sanitised HTML, safe to mark_safe into a template. Links get rel="nofollow noopener"."""
    if not text:
        return ""
    html = _demote_headings(_parser().render(text))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
