"""File checks (resources.validation): type by extension AND bytes, markup and polyglots, zip bombs, empty and
oversized files, file-name sanitising, and the ClamAV INSTREAM scan against a fake clamd."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from resources.validation import (
    FileRejected,
    check_uploaded_file,
    clamd_instream,
    extension_of,
    sanitise_filename,
)
from tests.resources.factories import make_docx_bytes, make_pdf_bytes
from tests.resources.fake_clamd import EICAR, FakeClamd


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def image_bytes(kind: str, size: tuple[int, int] = (20, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def rejected_code(name: str, content: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        check_uploaded_file(upload(name, content))
    return caught.value.code


# ------------------------------------------------------------------------------------------------ accepted files


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("guide.pdf", make_pdf_bytes("Indigent policy"), "application/pdf"),
        ("Guide.PDF", make_pdf_bytes("Upper-case extension"), "application/pdf"),
        ("toolkit.docx", make_docx_bytes("Toolkit"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("budget.xlsx", zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("slides.pptx", zip_bytes({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}),
         "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("report.odt", zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"},
                                 compression=zipfile.ZIP_STORED), "application/vnd.oasis.opendocument.text"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "WordDocument".encode("utf-16-le") + b"\0" * 100,
         "application/msword"),
        ("data.csv", "municipality,code\nKhâi-Ma,NC067\nThulamela,LIM343\n".encode(), "text/csv; charset=utf-8"),
        ("notes.txt", "Tshivenḓa notes".encode(), "text/plain; charset=utf-8"),
        ("map.png", image_bytes("PNG"), "image/png"),
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_real_files_of_every_allowed_type_are_accepted(name, content, content_type):
    checked = check_uploaded_file(upload(name, content))

    assert checked.kind.content_type == content_type
    assert checked.size == len(content)
    assert len(checked.sha256) == 64


# ------------------------------------------------------------------------------------------------ refused files


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("guide.pdf", image_bytes("PNG")),  # PNG bytes called .pdf
        ("toolkit.docx", make_pdf_bytes()),  # PDF called .docx
        ("budget.xlsx", make_docx_bytes()),  # a Word zip called .xlsx
        ("photo.jpg", image_bytes("PNG")),
        ("map.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20),  # right magic, not an image
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),  # OLE without a Word stream
        ("report.odt", zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})),
        ("plain.docx", zip_bytes({"hello.txt": b"just a zip"})),
        ("data.csv", make_pdf_bytes()),
        ("notes.txt", b"binary\x00data"),
    ],
)
def test_bytes_that_do_not_match_the_extension_are_refused(name, content):
    assert rejected_code(name, content) == "type_mismatch"


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "run.exe", "script.js", "archive.zip", "noextension", ".pdf"])
def test_types_outside_the_list_are_refused(name):
    assert rejected_code(name, b"<html><body>hello</body></html>") == "type_not_allowed"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("data.csv", b"name,value\nx,<script>alert(document.cookie)</script>\n"),
        ("drawing.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("polyglot.pdf", b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF"),
        ("tail.pdf", make_pdf_bytes() + b"\n<iframe src=//evil.example></iframe>"),
    ],
)
def test_html_svg_and_polyglot_files_are_refused(name, content):
    assert rejected_code(name, content) == "markup"


def test_a_png_carrying_html_in_a_text_chunk_is_refused_as_a_polyglot():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><script>alert(1)</script></html>")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG", pnginfo=info)

    assert rejected_code("innocent.png", buffer.getvalue()) == "markup"


def test_an_empty_file_is_refused():
    assert rejected_code("empty.pdf", b"") == "empty"


def test_a_file_over_the_limit_is_refused_with_the_limit_in_the_message(settings):
    settings.RESOURCES_MAX_UPLOAD_BYTES = 1024

    with pytest.raises(FileRejected) as caught:
        check_uploaded_file(upload("big.pdf", make_pdf_bytes("x" * 3000) + b" " * 2048))

    assert caught.value.code == "too_large"
    assert "larger than 1\xa0KB" in caught.value.messages[0]


def test_a_zip_bomb_disguised_as_a_word_file_is_refused(settings):
    # Given a "docx" whose members inflate far past the cap (20 MB of zeros compresses to ~20 KB)
    bomb = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "word/media/padding.bin": b"\0" * (20 * 1024 * 1024),
        }
    )
    assert len(bomb) < 100_000

    # Then it is refused by its compression ratio with the default settings...
    assert rejected_code("toolkit.docx", bomb) == "zip_bomb"

    # ...and by the total uncompressed size when that cap is lower
    settings.RESOURCES_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    small_bomb = zip_bytes(
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>", "x.bin": b"\0" * 2_000_000}
    )
    assert rejected_code("toolkit.docx", small_bomb) == "zip_bomb"


def test_a_zip_with_too_many_members_is_refused(settings):
    settings.RESOURCES_MAX_ZIP_MEMBERS = 50
    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    members.update({f"word/part{number}.xml": b"<x/>" for number in range(60)})

    assert rejected_code("many.docx", zip_bytes(members)) == "zip_bomb"


def test_a_word_file_with_macros_is_refused():
    content = zip_bytes(
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>", "word/vbaProject.bin": b"macro"}
    )

    assert rejected_code("letter.docx", content) == "macros"


# ------------------------------------------------------------------------------------------------ file names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\clerk\\Desktop\\budget.xlsx", "budget.xlsx"),
        ("bad\x00name\x1f\x7f.pdf", "badname.pdf"),
        ("line\nbreak\r\n.txt", "line break.txt"),
        ("invoice\u202etxt.exe.pdf", "invoicetxt.exe.pdf"),  # right-to-left override removed
        ("Khâi-Ma IDP 2024.pdf", "Khâi-Ma IDP 2024.pdf"),
        ("Tshivenḓa guide.docx", "Tshivenḓa guide.docx"),
        ('quote"and<angle>.pdf', "quote_and_angle_.pdf"),
        ("...", "file"),
        ("", "file"),
        (".htaccess", "htaccess"),
    ],
)
def test_file_names_are_sanitised(raw, expected):
    assert sanitise_filename(raw) == expected


def test_long_file_names_are_cut_but_keep_their_extension():
    name = sanitise_filename("a" * 400 + ".pdf")

    assert len(name) <= 150
    assert name.endswith(".pdf")


def test_the_extension_is_read_from_the_last_path_component():
    assert extension_of("folder.pdf/evil.html") == "html"
    assert extension_of("report.tar.gz") == "gz"
    assert extension_of("README") == ""


# ------------------------------------------------------------------------------------------------ ClamAV


@pytest.fixture
def clamd():
    server = FakeClamd()
    yield server
    server.close()


def test_the_eicar_file_is_refused_when_scanning_is_on(settings, clamd):
    settings.CLAMAV_URL = clamd.url

    with pytest.raises(FileRejected) as caught:
        check_uploaded_file(upload("eicar.txt", EICAR))

    assert caught.value.code == "virus"
    assert "Eicar-Signature" in caught.value.messages[0]
    assert clamd.commands == [b"zINSTREAM\0"]
    assert clamd.streams == [EICAR]


def test_a_clean_file_passes_the_scan_and_is_streamed_in_chunks(settings, clamd):
    settings.CLAMAV_URL = clamd.url
    content = make_pdf_bytes("clean " * 20000)

    checked = check_uploaded_file(upload("clean.pdf", content))

    assert checked.extension == "pdf"
    assert clamd.streams == [content]


def test_the_raw_instream_reply_is_returned(settings, clamd):
    settings.CLAMAV_URL = clamd.url

    assert clamd_instream(iter([b"hello ", b"world"])) == "stream: OK"


def test_an_unreachable_scanner_refuses_the_file_rather_than_letting_it_through(settings):
    settings.CLAMAV_URL = "tcp://127.0.0.1:1"  # nothing listens there

    with pytest.raises(FileRejected) as caught:
        check_uploaded_file(upload("clean.pdf", make_pdf_bytes()))

    assert caught.value.code == "scan_unavailable"


def test_without_clamav_settings_nothing_is_scanned(settings):
    settings.CLAMAV_URL = ""
    settings.CLAMAV_SOCKET = ""

    assert check_uploaded_file(upload("eicar.txt", EICAR)).extension == "txt"
