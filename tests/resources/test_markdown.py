"""render_markdown: CommonMark rendered, then sanitised with an allowlist (no scripts, handlers or javascript: URLs)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from resources.markdown import render_markdown


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
        "<iframe src=//evil.example></iframe>",
        "![pic](javascript:alert(1))",
        "<svg onload=alert(1)>",
    ],
)
def test_script_never_survives(source):
    parser = TagCollector()
    parser.feed(render_markdown(source))

    assert {tag for tag, _attrs in parser.tags} <= {"p", "a", "em", "strong", "code"}
    for _tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on")
            assert name != "style"
            if name == "href":
                assert value.lower().startswith(("http://", "https://", "mailto:"))


def test_ordinary_markdown_renders_and_links_get_rel():
    html = render_markdown(
        "# Title\n\nSome **bold** and *italic* text with a [link](https://www.salga.org.za \"SALGA\").\n\n"
        "- one\n- two\n\n| Year | Rand |\n|---|---|\n| 2025 | 100 |\n"
    )

    assert "<h2>Title</h2>" in html  # the page owns the h1
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert '<a href="https://www.salga.org.za" title="SALGA" rel="nofollow noopener">link</a>' in html
    assert "<li>one</li>" in html
    assert "<td>2025</td>" in html


def test_non_ascii_text_is_kept():
    assert render_markdown("Khâi-Ma and Tshivenḓa") == "<p>Khâi-Ma and Tshivenḓa</p>\n"


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
