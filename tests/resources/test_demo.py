"""The resource centre's demo data: realistic, complete, searchable inside files, and safe to seed twice.

Seeding creates ~70 resources with real files, so the whole demo is seeded twice in one test (through the real
`seed_demo` command) and everything is checked on that result."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command

from hub.models import Language, Province
from resources import demo, demo_content
from resources.extraction import extract_text_unsandboxed
from resources.models import Collection, FileVersion, Resource, Topic

pytestmark = pytest.mark.django_db


def _found_by(words: str) -> set[str]:
    query = SearchQuery(words, search_type="websearch", config="hub_search")
    return set(Resource.objects.filter(search_vector=query).values_list("slug", flat=True))


def _counts() -> tuple[int, int, int, int, int]:
    return (
        Resource.objects.count(),
        FileVersion.objects.count(),
        Topic.objects.count(),
        Collection.objects.count(),
        sum(collection.items.count() for collection in Collection.objects.all()),
    )


def test_seed_demo_twice_gives_a_complete_searchable_library_without_duplicates(settings):
    settings.DEBUG = True
    out = io.StringIO()

    # When the demo is seeded twice
    call_command("seed_demo", stdout=out)
    counts = _counts()
    call_command("seed_demo", stdout=out)

    # Then nothing was duplicated, and the command reported the resource centre
    assert _counts() == counts
    assert "Resource centre:" in out.getvalue()

    # There are at least 60 published resources of every type, in every official language and province
    published = Resource.objects.published()
    assert published.count() >= 60
    assert set(published.values_list("resource_type", flat=True)) == set(Resource.ResourceType.values)
    languages = {code for codes in published.values_list("languages", flat=True) for code in codes}
    assert languages >= set(Language.values) - {Language.SIGN_LANGUAGE}
    covered = set(published.filter(provinces__isnull=False).values_list("provinces__code", flat=True))
    assert covered == set(Province.objects.values_list("code", flat=True))

    # A two-level taxonomy: every theme has 2-4 sub-topics, and every sub-topic is used
    themes = Topic.objects.filter(parent__isnull=True)
    assert themes.count() == len(demo_content.TOPICS) >= 13
    for theme in themes:
        assert 2 <= theme.children.count() <= 4
    assert not Topic.objects.filter(parent__isnull=False, resources__isnull=True).exists()

    # Some members-only, some internal, a few superseded, some past their review date, a review queue
    assert published.filter(visibility=Resource.Visibility.MEMBERS).count() >= 3
    assert published.filter(visibility=Resource.Visibility.INTERNAL).count() >= 2
    assert published.filter(superseded_by__isnull=False).count() >= 3
    assert published.filter(review_by__lt=date.today()).count() >= 3
    assert Resource.objects.filter(status=Resource.Status.SUBMITTED).count() == len(demo_content.SUBMITTED)

    # 3-4 collections, each with items and a rendered introduction
    assert 3 <= Collection.objects.count() <= 4
    for collection in Collection.objects.all():
        assert collection.items.exists()
        assert collection.introduction_html.startswith("<p>")

    # Attributed to the member who shared it, dated when it was published
    case_study = Resource.objects.get(slug="case-study-umhlathuze-revenue-data-cleansing")
    assert case_study.created_by.email == "sibusiso.zulu@example.org"
    assert case_study.published_at.date() == date(2025, 9, 4)

    # Files are real PDF, Word and CSV documents, all with their text extracted
    versions = FileVersion.objects.all()
    assert {"pdf", "docx", "csv"} <= set(versions.values_list("extension", flat=True))
    assert not versions.exclude(extraction_status=FileVersion.Extraction.DONE).exists()
    with versions.filter(extension="pdf").first().stored_file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    with versions.filter(extension="docx").first().stored_file.open("rb") as handle:
        with zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
            assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= set(archive.namelist())

    # A phrase that is only inside the toolkit's files (never on its page) finds it
    toolkit = Resource.objects.get(slug="non-revenue-water-reduction-toolkit")
    assert "pressure logger" not in f"{toolkit.title} {toolkit.summary} {toolkit.body}".lower()
    assert "non-revenue-water-reduction-toolkit" in _found_by('"pressure logger"')
    # and accents are ignored: Khâi-Ma is found as "khai-ma"
    assert "khai-ma-small-town-water-security-case-study" in _found_by("khai-ma boreholes")


def test_generated_pdf_keeps_non_latin_letters_when_a_unicode_font_is_available(tmp_path):
    # Given text with a letter outside Latin-1
    content = demo.make_pdf(
        title="Thulamela training in Tshivenḓa",
        subtitle="Khâi-Ma and Tshivenḓa",
        paragraphs=["Vhathu vhoṱhe."],
        published=date(2025, 1, 1),
    )
    path = tmp_path / "demo.pdf"
    path.write_bytes(content)

    # When its text is extracted
    text = extract_text_unsandboxed(str(path), "pdf", max_chars=10_000, deadline=10**12)

    # Then the words survive (exactly with DejaVu installed, folded to Latin-1 without it)
    assert "Khâi-Ma" in text
    assert "Tshivenḓa" in text or "Tshivenda" in text


def test_generated_docx_is_valid_and_escapes_markup():
    content = demo.make_docx(title="A <b>bold</b> & brave plan", subtitle="Sub", paragraphs=["One", "Two"])

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        document = archive.read("word/document.xml").decode()

    assert "A &lt;b&gt;bold&lt;/b&gt; &amp; brave plan" in document
    assert document.count("<w:p>") == 5  # title, subtitle, two paragraphs, footer
