"""Rendering an issue as email: sanitised Markdown, hub blocks, the POPIA footer with the dispatcher's markers, the
generated text part, CSS inlined, dark-mode hints; and the web version cut from the frozen email."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import override_settings

from newsletters.blocks import BlockError
from newsletters.models import Audience
from newsletters.rendering import CONTENT_END, CONTENT_START, html_to_text, preview_html, render_issue, web_content
from newsletters.tokens import MANAGE_URL_MARKER, UNSUBSCRIBE_URL_MARKER
from resources.models import Resource
from tests.networks.event_helpers import make_event
from tests.newsletters.factories import IssueFactory, NewsletterFactory
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

SITE = "https://hub.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def test_script_and_dangerous_links_in_markdown_are_sanitised():
    issue = IssueFactory(body=(
        "Hello <script>alert('x')</script>\n\n"
        "[click](javascript:alert(1)) and <img src=x onerror=alert(2)>\n\n"
        '<a href="https://evil.example" onclick="steal()">raw</a>\n\n'
        "[ok](https://salga.org.za/news)"
    ))
    html, _text = render_issue(issue=issue)
    tags = _tags(html)
    assert "script" not in {tag for tag, _attrs in tags} and "img" not in {tag for tag, _attrs in tags}
    for _tag, attrs in tags:
        assert not any(name.startswith("on") for name, _value in attrs)
        assert not any((value or "").strip().lower().startswith("javascript:") for _name, value in attrs)
    # raw HTML is shown as text (escaped), never interpreted
    assert "&lt;script&gt;" in html
    assert 'href="https://salga.org.za/news"' in html


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    found: list = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_footer_has_markers_address_contact_and_reason_in_both_parts():
    newsletter = NewsletterFactory(
        name="Knowledge Hub update", sender_name="SALGA Knowledge Hub",
        physical_address="Menlyn Corporate Park, Pretoria, 0181", contact_details="info@salga.org.za",
    )
    html, text = render_issue(issue=IssueFactory(newsletter=newsletter))
    for part in (html, text):
        assert UNSUBSCRIBE_URL_MARKER in part and MANAGE_URL_MARKER in part
        assert "Menlyn Corporate Park, Pretoria, 0181" in part
        assert "info@salga.org.za" in part
        assert "because you subscribed" in part
        assert "SALGA Knowledge Hub" in part
    assert f'href="{UNSUBSCRIBE_URL_MARKER}"' in html and f'href="{MANAGE_URL_MARKER}"' in html
    assert f"Unsubscribe with one click: {UNSUBSCRIBE_URL_MARKER}" in text


def test_css_is_inlined_and_only_media_queries_remain_in_a_style_tag():
    html, _text = render_issue(issue=IssueFactory(body="Some text with a [link](https://example.org)."))
    assert re.search(r'<a href="https://example.org"[^>]*style="[^"]*color: ?#1d5fa8', html)
    assert re.search(r'<td class="content"[^>]*style="[^"]*padding', html)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert styles, "the @media rules (phone width, dark mode) must be kept"
    remaining = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", "".join(styles)).strip()
    assert remaining == ""


def test_email_is_responsive_dark_mode_aware_and_has_a_hidden_preheader():
    issue = IssueFactory(subject="June update", preheader="Five new guides and a summit")
    html, _text = render_issue(issue=issue)
    assert '<meta name="color-scheme" content="light dark">' in html
    assert '<meta name="supported-color-schemes" content="light dark">' in html
    assert "prefers-color-scheme: dark" in html and "max-width: 620px" in html
    preheader = re.search(r'<div class="preheader"[^>]*style="([^"]*)"[^>]*>(.*?)</div>', html, re.S)
    assert preheader and "display: none" in preheader.group(1)
    assert preheader.group(2).startswith("Five new guides and a summit")
    assert 'role="presentation"' in html and "<img" not in html
    assert "<title>June update</title>" in html


def test_blocks_render_as_cards_and_lists_in_html_and_text():
    resource = ResourceFactory(title="Water tariff guide", slug="water-tariffs", summary="How to set tariffs.",
                               resource_type=Resource.ResourceType.TOOLKIT)
    event = make_event(title="Revenue summit", slug="revenue-summit", days=5, venue="Durban ICC")
    issue = IssueFactory(body="Intro paragraph.\n\n{{ resource: water-tariffs }}\n\n{{ events: 3 }}\n\nOutro.")
    html, text = render_issue(issue=issue)
    assert "Water tariff guide" in html and "How to set tariffs." in html and "Toolkit" in html
    assert f'href="{SITE}/resources/water-tariffs/"' in html
    assert "Revenue summit" in html and f'href="{SITE}{event.get_absolute_url()}"' in html
    assert "NLBLOCK" not in html and "NLBLOCK" not in text
    assert "TOOLKIT: Water tariff guide" in text
    assert f"{SITE}/resources/water-tariffs/" in text and f"{SITE}{event.get_absolute_url()}" in text
    assert text.index("Intro paragraph.") < text.index("Water tariff guide") < text.index("Revenue summit") < \
        text.index("Outro.")


def test_a_block_that_became_invisible_cannot_be_rendered():
    resource = ResourceFactory(slug="once-public")
    issue = IssueFactory(body="{{ resource: once-public }}", newsletter=NewsletterFactory(audience=Audience.PUBLIC))
    render_issue(issue=issue)
    Resource.objects.filter(pk=resource.pk).update(visibility=Resource.Visibility.INTERNAL)
    with pytest.raises(BlockError, match="Line 1"):
        render_issue(issue=issue)


def test_text_part_writes_links_out_and_keeps_structure():
    text = html_to_text(
        '<h2>News</h2><p>Read <a href="https://a.example/x">the guide</a> now.</p>'
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>"
        "<blockquote><p>quoted</p></blockquote>"
        '<p><a href="https://b.example/">https://b.example/</a></p>'
    )
    assert "News\n====" in text
    assert "Read the guide (https://a.example/x) now." in text
    assert "- one\n- two" in text and "1. first\n2. second" in text
    assert "> quoted" in text
    assert "https://b.example/ (https://b.example/)" not in text and "https://b.example/" in text


def test_relative_links_become_absolute_in_the_email():
    html, text = render_issue(issue=IssueFactory(body="See [our events](/events/)."))
    assert f'href="{SITE}/events/"' in html
    assert f"our events ({SITE}/events/)" in text


def test_web_content_is_the_frozen_content_without_footer_styles_or_markers():
    issue = IssueFactory(body="Frozen words.")
    html, text = render_issue(issue=issue)
    issue.rendered_html, issue.rendered_text = html, text
    issue.body = "Changed after sending."
    content = web_content(issue=issue)
    assert "Frozen words." in content and "Changed after sending." not in content
    assert "style=" not in content and "[[" not in content and "Unsubscribe" not in content
    assert CONTENT_START in html and CONTENT_END in html


def test_web_content_of_an_unsent_issue_is_rendered_now():
    assert "Draft words." in web_content(issue=IssueFactory(body="Draft words."))


def test_preview_replaces_markers_with_the_lists_page():
    issue = IssueFactory()
    html = preview_html(issue=issue)
    assert "[[" not in html
    assert f'href="{SITE}/newsletters/{issue.newsletter.slug}/"' in html


@override_settings(LANGUAGES=[("en", "English")])
def test_rendering_is_deterministic_for_the_same_issue():
    issue = IssueFactory()
    assert render_issue(issue=issue) == render_issue(issue=issue)
