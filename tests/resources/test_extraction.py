"""Text extraction (resources.extraction, run by the extract_file_text task): every supported format, the caps on
output and time, a crashing parser, and a corrupt PDF that is recorded as failed and still publishes."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest
from django.core.files.base import ContentFile

from resources import extraction
from resources.extraction import ExtractionError, extract_text
from resources.models import FileVersion, Resource
from resources.services import files as file_services
from resources.services import publishing
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, make_docx_bytes, make_pdf_bytes


def write(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def zip_bytes(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_text_is_extracted_from_a_pdf(tmp_path):
    path = write(tmp_path, "a.pdf", make_pdf_bytes("Free basic water for indigent households"))

    assert "Free basic water for indigent households" in extract_text(path, "pdf")


def test_text_is_extracted_from_a_word_file(tmp_path):
    path = write(tmp_path, "a.docx", make_docx_bytes("Ward committee handbook for Khâi-Ma"))

    assert extract_text(path, "docx") == "Ward committee handbook for Khâi-Ma"


def test_text_is_extracted_from_a_presentation(tmp_path):
    ns = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    content = zip_bytes(
        {
            "ppt/presentation.xml": "<p/>",
            "ppt/slides/slide2.xml": f"<s {ns}><a:p><a:r><a:t>Second slide</a:t></a:r></a:p></s>",
            "ppt/slides/slide1.xml": f"<s {ns}><a:p><a:r><a:t>Revenue </a:t></a:r><a:r><a:t>enhancement</a:t></a:r></a:p></s>",
            "ppt/slides/slide10.xml": f"<s {ns}><a:p><a:r><a:t>Tenth slide</a:t></a:r></a:p></s>",
        }
    )
    path = write(tmp_path, "a.pptx", content)

    assert extract_text(path, "pptx") == "Revenue enhancement\nSecond slide\nTenth slide"


def test_text_is_extracted_from_a_workbook(tmp_path):
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    content = zip_bytes(
        {
            "xl/workbook.xml": f'<workbook {ns}><sheets><sheet name="Tariffs 2025"/></sheets></workbook>',
            "xl/sharedStrings.xml": f"<sst {ns}><si><t>Electricity tariff</t></si><si><t>Water</t></si></sst>",
        }
    )
    path = write(tmp_path, "a.xlsx", content)

    assert extract_text(path, "xlsx") == "Tariffs 2025\nElectricity tariff\nWater"


def test_text_is_extracted_from_an_opendocument_file(tmp_path):
    content = zip_bytes(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "content.xml": '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
            "<text:h>Spatial planning</text:h><text:p>SPLUMA <text:span>by-laws</text:span></text:p>"
            "</office:text></office:body></office:document-content>",
        }
    )
    path = write(tmp_path, "a.odt", content)

    assert extract_text(path, "odt") == "Spatial planning\nSPLUMA by-laws"


def test_text_is_read_from_csv_and_plain_text_in_utf8_or_windows_encoding(tmp_path):
    assert extract_text(write(tmp_path, "a.csv", "naam,kode\nKhâi-Ma,NC067\n".encode()), "csv") == (
        "naam,kode\nKhâi-Ma,NC067"
    )
    assert extract_text(write(tmp_path, "b.txt", "Khâi-Ma".encode("cp1252")), "txt") == "Khâi-Ma"


def test_xml_entity_expansion_is_refused(tmp_path):
    # A "billion laughs" document.xml: defusedxml refuses entity declarations.
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
    )
    path = write(tmp_path, "bomb.docx", zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": bomb}))

    with pytest.raises(ExtractionError):
        extract_text(path, "docx")


def test_output_is_capped(tmp_path, settings):
    settings.RESOURCES_EXTRACTION_MAX_CHARS = 100

    text = extract_text(write(tmp_path, "a.txt", b"word " * 1000), "txt")

    assert len(text) <= 100


def test_input_over_the_size_cap_is_not_parsed(tmp_path, settings):
    settings.RESOURCES_EXTRACTION_MAX_INPUT_BYTES = 10

    with pytest.raises(ExtractionError, match="too large"):
        extract_text(write(tmp_path, "a.txt", b"x" * 100), "txt", size=100)


def test_a_corrupt_pdf_raises_an_extraction_error(tmp_path):
    path = write(tmp_path, "bad.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 99 0 R >>\ngarbage\n%%EOF")

    with pytest.raises(ExtractionError):
        extract_text(path, "pdf")


def test_a_parser_that_hangs_is_stopped_after_the_time_limit(tmp_path, settings, monkeypatch):
    settings.RESOURCES_EXTRACTION_TIMEOUT = 1

    def hang(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(extraction, "extract_text_unsandboxed", hang)  # the forked child inherits the patch
    started = time.monotonic()

    with pytest.raises(ExtractionError, match="too long"):
        extract_text(write(tmp_path, "a.txt", b"hello"), "txt")

    assert time.monotonic() - started < 15


def test_a_parser_that_crashes_the_process_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(extraction, "extract_text_unsandboxed", lambda *args, **kwargs: os._exit(3))

    with pytest.raises(ExtractionError, match="unexpectedly"):
        extract_text(write(tmp_path, "a.txt", b"hello"), "txt")


# ------------------------------------------------------------------------------------------------ through the task


@pytest.mark.django_db
def test_extraction_runs_after_upload_and_fills_the_version(django_capture_on_commit_callbacks):
    uploader = make_user_with_role("member")
    resource = ResourceFactory(created_by=uploader, status=Resource.Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        version = file_services.add_file_version(
            resource=resource,
            uploaded_file=ContentFile(make_pdf_bytes("Supply chain management regulations"), name="scm.pdf"),
            acting_user=uploader,
        )

    version.refresh_from_db()
    assert version.extraction_status == FileVersion.Extraction.DONE
    assert "Supply chain management regulations" in version.extracted_text
    assert version.extracted_at is not None


@pytest.mark.django_db
def test_a_corrupt_pdf_is_recorded_as_failed_and_the_item_still_publishes(django_capture_on_commit_callbacks):
    # Given a submitted item whose PDF has a valid header but a broken body
    uploader = make_user_with_role("member")
    reviewer = make_user_with_role("content_reviewer")
    resource = ResourceFactory(created_by=uploader, status=Resource.Status.SUBMITTED, published_at=None)
    corrupt = b"%PDF-1.4\n" + os.urandom(2048) + b"\n%%EOF"

    # When it is uploaded (extraction runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        version = file_services.add_file_version(
            resource=resource, uploaded_file=ContentFile(corrupt, name="broken.pdf"), acting_user=uploader
        )

    # Then the failure is recorded on the version, with its error
    version.refresh_from_db()
    assert version.extraction_status == FileVersion.Extraction.FAILED
    assert version.extraction_error
    assert version.extracted_text == ""

    # And a reviewer can still publish the item
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_resource(resource=resource, acting_user=reviewer)
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED


@pytest.mark.django_db
def test_images_are_marked_as_having_no_text():
    from PIL import Image

    uploader = make_user_with_role("member")
    resource = ResourceFactory(created_by=uploader)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")

    version = file_services.add_file_version(
        resource=resource, uploaded_file=ContentFile(buffer.getvalue(), name="map.png"), acting_user=uploader
    )

    assert version.extraction_status == FileVersion.Extraction.SKIPPED
