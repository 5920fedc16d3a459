"""`manage.py import_resources`: every row checked and reported first; all or nothing."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hub.models import AuditEntry
from resources import importing
from resources.models import FileVersion, Resource
from tests.factories import make_user_with_role
from tests.resources.factories import TopicFactory, make_docx_bytes, make_pdf_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "title",
    "summary",
    "type",
    "topics",
    "tags",
    "languages",
    "provinces",
    "municipalities",
    "organisation",
    "publication_date",
    "licence",
    "visibility",
    "files",
    "file_titles",
]


def _row(**values: str) -> dict[str, str]:
    row = {
        "title": "Non-revenue water reduction toolkit",
        "summary": "Find and fix water losses.",
        "type": "toolkit",
        "topics": "non-revenue-water",
        "tags": "leaks; meters",
        "languages": "en; isiZulu",
        "provinces": "WC; kzn",
        "municipalities": "CPT; NC067",
        "organisation": "CPT",
        "publication_date": "2024-05-30",
        "licence": "cc-by-4.0",
        "visibility": "public",
        "files": "toolkit.pdf; template.docx",
        "file_titles": "Toolkit (PDF); Template (Word)",
    }
    row.update(values)
    return row


@pytest.fixture
def archive(tmp_path):
    """A folder with real files and a helper that writes the CSV."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "toolkit.pdf").write_bytes(make_pdf_bytes("Install a pressure logger at the critical point."))
    (files / "template.docx").write_bytes(make_docx_bytes("Water balance template"))
    (files / "fake.pdf").write_bytes(b"<html><script>alert(1)</script></html>")
    (files / "empty.pdf").write_bytes(b"")
    (tmp_path / "secret.pdf").write_bytes(make_pdf_bytes("outside the folder"))
    TopicFactory(slug="non-revenue-water", name="Non-revenue water")

    def write(rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
        path = tmp_path / "archive.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return path

    write.files = files
    return write


def _run(*args: str) -> str:
    out = StringIO()
    call_command("import_resources", *args, stdout=out)
    return out.getvalue()


def test_import_creates_published_resources_with_checked_files(archive):
    staff = make_user_with_role("salga_staff")
    path = archive(
        [
            _row(),
            _row(
                title="Case study: Khâi-Ma boreholes",
                type="Case study / good practice",
                files="",
                file_titles="",
                visibility="members",
                organisation="SALGA:NC",
                languages="af",
            ),
        ]
    )

    output = _run(str(path), "--files", str(archive.files), "--user", staff.email)

    assert "Row 2: OK “Non-revenue water reduction toolkit” (published, public, 2 files)" in output
    assert "Row 3: OK “Case study: Khâi-Ma boreholes” (published, members, 0 files)" in output
    assert "Imported 2 resources" in output
    toolkit = Resource.objects.get(title="Non-revenue water reduction toolkit")
    assert toolkit.status == Resource.Status.PUBLISHED
    assert toolkit.published_at.date().isoformat() == "2024-05-30"
    assert toolkit.created_by == staff
    assert toolkit.languages == ["en", "zu"]
    assert set(toolkit.provinces.values_list("code", flat=True)) == {"WC", "KZN"}
    assert set(toolkit.municipalities.values_list("code", flat=True)) == {"CPT", "NC067"}
    assert toolkit.organisation.municipality.code == "CPT"
    assert set(toolkit.tags.names()) == {"leaks", "meters"}
    assert list(toolkit.files.values_list("title", flat=True)) == ["Toolkit (PDF)", "Template (Word)"]
    versions = FileVersion.objects.filter(file__resource=toolkit)
    assert set(versions.values_list("extension", "original_name")) == {
        ("pdf", "toolkit.pdf"),
        ("docx", "template.docx"),
    }
    assert all(
        version.stored_file.name.startswith("resources/") for version in versions
    )  # never the user's name as path
    case_study = Resource.objects.get(title="Case study: Khâi-Ma boreholes")
    assert case_study.resource_type == "case_study"
    assert case_study.slug == "case-study-khai-ma-boreholes"
    assert AuditEntry.objects.filter(action=importing.ACTION_IMPORTED, actor=staff).count() == 2


def test_dry_run_reports_and_imports_nothing(archive):
    path = archive([_row()])

    output = _run(str(path), "--files", str(archive.files), "--dry-run")

    assert "Row 2: OK" in output
    assert "Dry run: all 1 rows are valid. Nothing was imported." in output
    assert not Resource.objects.exists()
    assert not FileVersion.objects.exists()


def test_any_error_means_nothing_is_imported_and_every_row_is_reported(archive):
    path = archive(
        [
            _row(),  # valid
            _row(
                title="",
                type="guidebook",
                topics="no-such-topic",
                languages="klingon",
                provinces="XX",
                municipalities="ZZZ999",
                organisation="Nowhere Municipality",
                publication_date="31/03/2025",
                licence="mine",
                visibility="secret",
                files="fake.pdf; ../secret.pdf; missing.pdf; empty.pdf",
                file_titles="One",
            ),
            _row(title="Non-revenue water reduction toolkit"),  # duplicate title
        ]
    )

    with pytest.raises(CommandError, match="2 of 3 rows have errors. Nothing was imported"):
        _run(str(path), "--files", str(archive.files))

    assert not Resource.objects.exists()
    assert not FileVersion.objects.exists()


def test_error_report_names_each_problem(archive, capsys):
    path = archive(
        [
            _row(
                title="",
                type="guidebook",
                topics="no-such-topic",
                languages="klingon",
                provinces="XX",
                organisation="Nowhere Municipality",
                publication_date="31/03/2025",
                visibility="secret",
                files="fake.pdf; ../secret.pdf; empty.pdf",
                file_titles="One",
            ),
        ]
    )
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("import_resources", str(path), "--files", str(archive.files), stdout=out)

    report = out.getvalue()
    for expected in [
        "Row 2: ERROR (no title)",
        "title: required.",
        "type: “guidebook” is not a type",
        "topics: no topic “no-such-topic”",
        "languages: “klingon”",
        "provinces: no province with code “XX”",
        "organisation: no organisation",
        "publication_date: “31/03/2025” is not a date",
        "visibility: “secret”",
        "file_titles: 1 titles for 3 files",
        "contains web-page code",
        "no file “../secret.pdf”",
        "is empty",
    ]:
        assert expected in report, expected


def test_a_failure_while_importing_rolls_everything_back_and_removes_stored_files(
    archive, monkeypatch, settings
):
    path = archive([_row(), _row(title="Second toolkit", files="template.docx", file_titles="")])
    report = importing.check_file(path, files_dir=archive.files)
    assert report.error_count == 0
    original = importing.record_audit
    calls = {"count": 0}

    def fail_on_second(**kwargs):
        calls["count"] += 1
        if calls["count"] == 2:
            raise RuntimeError("database went away")
        return original(**kwargs)

    monkeypatch.setattr(importing, "record_audit", fail_on_second)

    with pytest.raises(RuntimeError):
        importing.import_checked(report, acting_user=None, source_name="archive.csv")

    assert not Resource.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not [item for item in media.rglob("*") if item.is_file()]


def test_unknown_and_missing_columns_are_refused(archive):
    with pytest.raises(CommandError, match="Unknown column"):
        _run(str(archive([{"title": "x"}], header=["title", "summary", "type", "colour"])))
    with pytest.raises(CommandError, match="Missing required column"):
        _run(str(archive([{"title": "x"}], header=["title"])))


def test_non_utf8_file_gets_a_clear_message(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("title,summary,type\nKh\xe2i-Ma,Dry,guide\n".encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        _run(str(path))


def test_files_named_without_a_files_folder_are_an_error(archive):
    path = archive([_row()])

    with pytest.raises(CommandError):
        _run(str(path))
    assert not Resource.objects.exists()


def test_draft_rows_and_hostile_text_are_stored_as_plain_text(archive, client):
    path = archive(
        [
            _row(
                title="<script>alert(1)</script> Toolkit",
                summary="Tshivenḓa \x07summary",
                files="",
                file_titles="",
                status="draft",
            )
        ],
        header=[*HEADER, "status"],
    )

    _run(str(path), "--files", str(archive.files))

    resource = Resource.objects.get()
    assert resource.status == Resource.Status.DRAFT
    assert resource.title == "<script>alert(1)</script> Toolkit"
    assert resource.summary == "Tshivenḓa summary"
    assert client.get(resource.get_absolute_url()).status_code == 404  # a draft is not public


def test_unknown_user_is_refused(archive):
    with pytest.raises(CommandError, match="No active account"):
        _run(str(archive([_row()])), "--user", "nobody@example.org")
