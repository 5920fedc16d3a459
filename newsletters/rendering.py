"""An issue as email: the Markdown body (CommonMark, raw HTML off, nh3 allowlist: resources.markdown) with hub blocks
(newsletters.blocks), laid into a responsive, table-based template whose CSS is inlined with css-inline, plus a
plain-text part generated from the same content with every link written out.

The footer (who sends it, why the reader gets it, the list's postal address and contact, a one-click unsubscribe
link and a manage link) is in both parts. Its personal links are the markers of newsletters.tokens, which the
dispatcher replaces per recipient; nothing personal is ever rendered here.

The HTML marks where the issue's own content starts and ends (CONTENT_START/CONTENT_END comments), so the web
version can show exactly what was sent, without the email's footer, inside the site's layout (`web_content`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import css_inline
import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from newsletters.blocks import ResolvedBlock, parse_body, placeholder, resolve_blocks
from newsletters.models import Issue, Newsletter
from newsletters.tokens import MANAGE_URL_MARKER, UNSUBSCRIBE_URL_MARKER
from resources.markdown import render_markdown

CONTENT_START = "<!-- newsletter-content-start -->"
CONTENT_END = "<!-- newsletter-content-end -->"

_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True)
class RenderedBody:
    html: str  # sanitised Markdown with the blocks' HTML in place; links absolute
    text: str  # the same as plain text, links written out


def absolute_url(path_or_url: str) -> str:
    if path_or_url.startswith("/") and not path_or_url.startswith("//"):
        return settings.SITE_URL + path_or_url
    return path_or_url


_RELATIVE_HREF = re.compile(r'href="(/(?!/)[^"]*)"')


def _absolute_links(html: str) -> str:
    # In an email a relative link goes nowhere: make the hub's own links absolute.
    return _RELATIVE_HREF.sub(lambda m: f'href="{settings.SITE_URL}{m.group(1)}"', html)


def _block_context(resolved: ResolvedBlock, newsletter: Newsletter) -> dict[str, Any]:
    items = []
    for item in resolved.items:
        items.append({"object": item, "url": absolute_url(item.get_absolute_url())})
    context: dict[str, Any] = {"block": resolved, "items": items, "newsletter": newsletter}
    if resolved.network is not None:
        context["network_url"] = absolute_url(resolved.network.get_absolute_url())
    if resolved.kind == "events":
        context["events_url"] = absolute_url("/events/")
    return context


def render_body(*, newsletter: Newsletter, body: str) -> RenderedBody:
    """Markdown + blocks -> (HTML fragment, text). Raises newsletters.blocks.BlockError for a block the list's
    audience may not see or that names nothing."""
    parsed = parse_body(body)
    resolved = resolve_blocks(parsed.blocks, newsletter=newsletter)
    markdown_html = _absolute_links(render_markdown(parsed.markdown))
    html, text = markdown_html, html_to_text(markdown_html)
    for index, block in enumerate(resolved):
        context = _block_context(block, newsletter)
        block_html = render_to_string(f"newsletters/email/block_{block.kind}.html", context).strip()
        block_text = render_to_string(f"newsletters/email/block_{block.kind}.txt", context).strip()
        token = placeholder(index)
        html = html.replace(f"<p>{token}</p>", block_html)
        text = text.replace(token, block_text)
    return RenderedBody(html=html, text=_tidy_text(text))


def _language(newsletter: Newsletter) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    return newsletter.language if newsletter.language in available else settings.LANGUAGE_CODE


def _context(issue: Issue, body: RenderedBody) -> dict[str, Any]:
    newsletter = issue.newsletter
    return {
        "issue": issue,
        "newsletter": newsletter,
        "body_html": body.html,
        "body_text": body.text,
        "date": timezone.localtime(issue.send_started_at or issue.scheduled_at or timezone.now()),
        "web_url": absolute_url(issue.get_absolute_url()),
        "archive_url": absolute_url(newsletter.get_absolute_url()),
        "site_url": settings.SITE_URL,
        "site_name": settings.SITE_NAME,
        "unsubscribe_url": UNSUBSCRIBE_URL_MARKER,
        "manage_url": MANAGE_URL_MARKER,
        "content_start": CONTENT_START,
        "content_end": CONTENT_END,
        # Invisible characters after the preheader keep mail apps from filling the preview line with body text.
        "preheader_filler": range(60),
    }


def render_issue(*, issue: Issue) -> tuple[str, str]:
    """The issue's email as (HTML with CSS inlined, plain text), both with the footer's unsubscribe and manage
    markers for the dispatcher to replace per recipient. Raises BlockError when a block cannot be shown."""
    with translation.override(_language(issue.newsletter)):
        body = render_body(newsletter=issue.newsletter, body=issue.body)
        context = _context(issue, body)
        html = render_to_string("newsletters/email/issue.html", context)
        text = render_to_string("newsletters/email/issue.txt", context)
    return _INLINER.inline(html), _tidy_text(text) + "\n"


def email_parts(*, issue: Issue) -> tuple[str, str]:
    """What the issue's email is: frozen once sending started, rendered now before that."""
    if issue.rendered_html:
        return issue.rendered_html, issue.rendered_text
    return render_issue(issue=issue)


def preview_html(*, issue: Issue) -> str:
    """The email as a publisher previews it: the markers point at the list's page instead of anyone's links."""
    html, _text = email_parts(issue=issue)
    archive = absolute_url(issue.newsletter.get_absolute_url())
    return html.replace(UNSUBSCRIBE_URL_MARKER, archive).replace(MANAGE_URL_MARKER, archive)


# --- the web version --------------------------------------------------------------------------------------------

WEB_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "h2", "h3", "h4",
    "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "s", "sup", "sub", "div", "span",
}
WEB_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "*": {"class"}}


def web_content(*, issue: Issue) -> str:
    """The issue's own content for its web page, safe to mark_safe: what was sent (cut out of the frozen email
    between the content markers, so no footer and no personal link) or, before sending, rendered now. Inline
    styles are dropped (the site's CSP forbids them; its stylesheet styles the classes)."""
    html = issue.rendered_html
    if html and CONTENT_START in html and CONTENT_END in html:
        fragment = html.split(CONTENT_START, 1)[1].split(CONTENT_END, 1)[0]
    else:
        with translation.override(_language(issue.newsletter)):
            fragment = render_body(newsletter=issue.newsletter, body=issue.body).html
    cleaned = nh3.clean(
        fragment,
        tags=WEB_TAGS,
        attributes=WEB_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
        strip_comments=True,
    )
    # Belt and braces: a marker can only be in the footer, but never let one reach a page.
    return cleaned.replace(UNSUBSCRIBE_URL_MARKER, "").replace(MANAGE_URL_MARKER, "")


# --- plain text -------------------------------------------------------------------------------------------------


class _TextWriter(HTMLParser):
    """Sanitised HTML -> readable plain text: paragraphs and headings separated by blank lines, lists with "-" or
    numbers, quotes with ">", and links written out as "text (https://...)"."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "table", "tr", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, int]] = []
        self.lists: list[list[Any]] = []  # [kind, next number]
        self.quote_depth = 0
        self.pre_depth = 0
        self.heading: str | None = None
        self.heading_start = 0

    def _newline(self, count: int = 1) -> None:
        text = "".join(self.parts)
        trailing = len(text) - len(text.rstrip("\n"))
        if text and trailing < count:
            self.parts.append("\n" * (count - trailing))
        if self.quote_depth:
            self.parts.append("> " * self.quote_depth)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._newline(2)
            self.heading, self.heading_start = tag, len("".join(self.parts))
        elif tag in ("p", "div", "table", "pre"):
            self._newline(2)
            if tag == "pre":
                self.pre_depth += 1
        elif tag in ("ul", "ol"):
            self._newline(2 if not self.lists else 1)
            start = dict(attrs).get("start") or "1"
            self.lists.append([tag, int(start) if start.isdigit() else 1])
        elif tag == "li":
            self._newline(1)
            indent = "  " * (len(self.lists) - 1)
            if self.lists and self.lists[-1][0] == "ol":
                self.parts.append(f"{indent}{self.lists[-1][1]}. ")
                self.lists[-1][1] += 1
            else:
                self.parts.append(f"{indent}- ")
        elif tag == "blockquote":
            self.quote_depth += 1
            self._newline(2)
        elif tag == "br":
            self._newline(1)
        elif tag == "hr":
            self._newline(2)
            self.parts.append("-" * 40)
            self._newline(2)
        elif tag == "tr":
            self._newline(1)
        elif tag in ("td", "th"):
            if not "".join(self.parts).endswith(("\n", " ")):
                self.parts.append("  ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len("".join(self.parts))))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading == tag:
            title = "".join(self.parts)[self.heading_start:]
            underline = "=" if tag in ("h1", "h2") else "-"
            self.parts.append("\n" + underline * min(len(title.strip()), 70))
            self.heading = None
            self._newline(2)
        elif tag in ("p", "div", "table"):
            self._newline(2)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
            self._newline(2)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._newline(2 if not self.lists else 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self._newline(2)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts)[start:].strip()
            if href and not href.startswith("#") and href not in label:
                target = href[len("mailto:"):] if href.startswith("mailto:") else href
                self.parts.append(f" ({target})" if label else target)

    def handle_data(self, data: str) -> None:
        if not self.pre_depth:
            data = re.sub(r"\s+", " ", data)
            if "".join(self.parts[-1:]).endswith(("\n", " ")) or not self.parts:
                data = data.lstrip()
        self.parts.append(data)

    def text(self) -> str:
        return "".join(self.parts)


def html_to_text(html: str) -> str:
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    return _tidy_text(writer.text())


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    tidy = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return tidy.strip("\n")
