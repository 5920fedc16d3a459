"""Checking uploaded files before anything is stored: the type by extension AND by bytes, zip containers (Office Open
XML, OpenDocument) by their expected members with caps against zip bombs, HTML/SVG/polyglot content, the optional
ClamAV scan, and sanitising the user's file name (kept for display only, never used as a storage path).

Everything here reads the file in chunks from its current storage (a temporary file for uploads), so a 100 MB upload
never sits in memory."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CHUNK_SIZE = 64 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# Caps for zip containers: a .docx of a few MB never inflates to more than this, a zip bomb always does.
DEFAULT_MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
DEFAULT_MAX_ZIP_MEMBERS = 5000
MAX_COMPRESSION_RATIO = 200  # per member, only checked for members that inflate past 10 MB
MAX_NAME_LENGTH = 150


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    label: Any  # lazy translatable label, for messages
    family: str  # pdf | ooxml | odf | ole | text | image


KINDS: dict[str, FileKind] = {
    "pdf": FileKind("pdf", "application/pdf", gettext_lazy("PDF"), "pdf"),
    "docx": FileKind(
        "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        gettext_lazy("Word document"), "ooxml",
    ),
    "doc": FileKind("doc", "application/msword", gettext_lazy("Word document (97-2003)"), "ole"),
    "xlsx": FileKind(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        gettext_lazy("Excel workbook"), "ooxml",
    ),
    "xls": FileKind("xls", "application/vnd.ms-excel", gettext_lazy("Excel workbook (97-2003)"), "ole"),
    "pptx": FileKind(
        "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        gettext_lazy("PowerPoint presentation"), "ooxml",
    ),
    "ppt": FileKind("ppt", "application/vnd.ms-powerpoint", gettext_lazy("PowerPoint presentation (97-2003)"), "ole"),
    "odt": FileKind("odt", "application/vnd.oasis.opendocument.text", gettext_lazy("OpenDocument text"), "odf"),
    "ods": FileKind(
        "ods", "application/vnd.oasis.opendocument.spreadsheet", gettext_lazy("OpenDocument spreadsheet"), "odf"
    ),
    "odp": FileKind(
        "odp", "application/vnd.oasis.opendocument.presentation", gettext_lazy("OpenDocument presentation"), "odf"
    ),
    "csv": FileKind("csv", "text/csv; charset=utf-8", gettext_lazy("CSV spreadsheet"), "text"),
    "txt": FileKind("txt", "text/plain; charset=utf-8", gettext_lazy("Plain text"), "text"),
    "png": FileKind("png", "image/png", gettext_lazy("PNG image"), "image"),
    "jpg": FileKind("jpg", "image/jpeg", gettext_lazy("JPEG image"), "image"),
    "jpeg": FileKind("jpeg", "image/jpeg", gettext_lazy("JPEG image"), "image"),
}
ALLOWED_EXTENSIONS = tuple(KINDS)
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in KINDS)
PREVIEWABLE_EXTENSIONS = frozenset({"pdf", "png", "jpg", "jpeg"})

# Members each zip-based format must contain (Office Open XML) and the ODF `mimetype` member's exact content.
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
ODF_MIMETYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
}
# Legacy Office (OLE2 compound file) stream names, UTF-16LE in the directory.
OLE_STREAMS = {
    "doc": ["WordDocument"],
    "xls": ["Workbook", "Book"],
    "ppt": ["PowerPoint Document"],
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PDF_MAGIC = b"%PDF-"

# Markup that makes a browser treat bytes as HTML/SVG when sniffing. Text files are searched throughout; binary files
# in their first and last 4 KB (browsers sniff the start, polyglots hide at either end): a "PDF" or "PNG" carrying
# these there is a polyglot and is refused. Files are always served with their own type and nosniff anyway.
MARKUP_PATTERN = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|svg|iframe|object|embed|frameset)[\s/>]",
    re.IGNORECASE,
)
SNIFF_WINDOW = 4096


class FileRejected(ValidationError):
    """The file cannot be accepted; the message says why in words the uploader understands."""


@dataclass
class CheckedFile:
    """What we know about an accepted file. `sha256` and `size` are computed from the bytes, not trusted."""

    kind: FileKind
    original_name: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return self.kind.extension


def max_upload_bytes() -> int:
    return int(getattr(settings, "RESOURCES_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def size_label(size: int) -> str:
    """A size for people: "100 MB", "48.8 KB" (no ".0" on round numbers)."""
    label = str(filesizeformat(size))
    return label.replace(".0\xa0", "\xa0")


def allowed_types_sentence() -> str:
    return _("PDF, Word, Excel, PowerPoint, OpenDocument, CSV, plain text, PNG or JPEG")


# --------------------------------------------------------------------------------------------------- file names


def sanitise_filename(name: str, *, fallback: str = "file") -> str:
    """A display name safe to put in a Content-Disposition header and a page: the last path component only, Unicode
    normalised (NFC), control and format characters removed, whitespace folded, no leading dots, at most 150
    characters (the extension kept). Never used to build a storage path."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(" " if char in "\t\n\r" else char for char in name)
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return fallback
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension[:10]
    limit = MAX_NAME_LENGTH - (len(extension) + 1 if extension else 0)
    stem = stem[:limit].rstrip(" .") or fallback
    return f"{stem}.{extension}" if extension else stem


def extension_of(name: str) -> str:
    """Lower-case extension of a file name ('' when it has none)."""
    base = re.split(r"[\\/]", name or "")[-1]
    if "." not in base.strip("."):
        return ""
    return base.rsplit(".", 1)[-1].strip().lower()


# --------------------------------------------------------------------------------------------------- reading


def _open_for_reading(uploaded: Any) -> IO[bytes]:
    file = getattr(uploaded, "file", uploaded)
    if hasattr(uploaded, "open") and getattr(file, "closed", False):
        uploaded.open("rb")
        file = getattr(uploaded, "file", uploaded)
    return file


def _iter_chunks(uploaded: Any) -> Any:
    uploaded.seek(0)
    if hasattr(uploaded, "chunks"):
        yield from uploaded.chunks(CHUNK_SIZE)
    else:
        while chunk := uploaded.read(CHUNK_SIZE):
            yield chunk
    uploaded.seek(0)


def _read_head(uploaded: Any, length: int = SNIFF_WINDOW) -> bytes:
    uploaded.seek(0)
    head = uploaded.read(length)
    uploaded.seek(0)
    return head or b""


def _read_tail(uploaded: Any, length: int = SNIFF_WINDOW) -> bytes:
    uploaded.seek(0, os.SEEK_END)
    end = uploaded.tell()
    uploaded.seek(max(0, end - length))
    tail = uploaded.read(length)
    uploaded.seek(0)
    return tail or b""


def hash_and_size(uploaded: Any) -> tuple[str, int]:
    """SHA-256 and size computed in 64 KB chunks. Reuses what the streaming upload handler computed when present."""
    precomputed = getattr(uploaded, "sha256", None)
    if precomputed and getattr(uploaded, "counted_size", None) is not None:
        return precomputed, uploaded.counted_size
    digest = hashlib.sha256()
    size = 0
    for chunk in _iter_chunks(uploaded):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _contains_any(uploaded: Any, needles: list[bytes]) -> bool:
    """Whether any needle occurs in the file, scanning in chunks with an overlap so boundaries are covered."""
    overlap = max(len(needle) for needle in needles) - 1
    tail = b""
    for chunk in _iter_chunks(uploaded):
        window = tail + chunk
        if any(needle in window for needle in needles):
            return True
        tail = window[-overlap:] if overlap else b""
    return False


# --------------------------------------------------------------------------------------------------- checks


def check_uploaded_file(uploaded: Any, *, name: str | None = None) -> CheckedFile:
    """Accept or refuse one file. Raises FileRejected (a ValidationError) with a clear message.

    Order: too large (the streaming handler marks it), empty, extension allowed, bytes match the extension (magic
    numbers; zip containers opened to find their main part; legacy Office by its stream name), no HTML/SVG markup
    where a browser would sniff it, then the virus scan when configured."""
    raw_name = name if name is not None else getattr(uploaded, "name", "") or ""
    display_name = sanitise_filename(raw_name)
    limit = max_upload_bytes()
    if getattr(uploaded, "too_large", False):
        raise FileRejected(
            _("The file %(name)s is larger than %(limit)s. Make it smaller (for example save the PDF at a lower "
              "quality) and try again.") % {"name": display_name, "limit": size_label(limit)},
            code="too_large",
        )
    sha256, size = hash_and_size(uploaded)
    if size == 0:
        raise FileRejected(_("The file %(name)s is empty.") % {"name": display_name}, code="empty")
    if size > limit:
        raise FileRejected(
            _("The file %(name)s is larger than %(limit)s. Make it smaller (for example save the PDF at a lower "
              "quality) and try again.") % {"name": display_name, "limit": size_label(limit)},
            code="too_large",
        )
    extension = extension_of(raw_name)
    kind = KINDS.get(extension)
    if kind is None:
        raise FileRejected(
            _("The file %(name)s cannot be uploaded: it must be a %(types)s file.")
            % {"name": display_name, "types": allowed_types_sentence()},
            code="type_not_allowed",
        )
    head = _read_head(uploaded)
    _check_bytes_match(uploaded, kind, head, display_name)
    scan_for_viruses(uploaded, name=display_name)
    return CheckedFile(kind=kind, original_name=display_name, size=size, sha256=sha256)


def _mismatch(kind: FileKind, display_name: str) -> FileRejected:
    return FileRejected(
        _("The file %(name)s is called a %(label)s file, but its contents are not a %(label)s file. Save it again "
          "in that format, or give it the right extension.") % {"name": display_name, "label": kind.label},
        code="type_mismatch",
    )


def _markup_refusal(display_name: str) -> FileRejected:
    return FileRejected(
        _("The file %(name)s contains web-page code (HTML or SVG) and cannot be uploaded.") % {"name": display_name},
        code="markup",
    )


def _check_bytes_match(uploaded: Any, kind: FileKind, head: bytes, display_name: str) -> None:
    family = kind.family
    if family == "text":
        _check_text(uploaded, head, display_name)
        return
    # Binary formats: no markup where a browser would sniff (the bytes before the format's own data are checked by
    # the magic number; markup right after it makes a polyglot).
    if MARKUP_PATTERN.search(head) or MARKUP_PATTERN.search(_read_tail(uploaded)):
        raise _markup_refusal(display_name)
    if family == "pdf":
        if not head.startswith(PDF_MAGIC):
            raise _mismatch(kind, display_name)
    elif family == "image":
        expected = PNG_MAGIC if kind.extension == "png" else JPEG_MAGIC
        if not head.startswith(expected):
            raise _mismatch(kind, display_name)
        _check_image(uploaded, kind, display_name)
    elif family == "ole":
        if not head.startswith(OLE_MAGIC):
            raise _mismatch(kind, display_name)
        needles = [name.encode("utf-16-le") for name in OLE_STREAMS[kind.extension]]
        if not _contains_any(uploaded, needles):
            raise _mismatch(kind, display_name)
    elif family in {"ooxml", "odf"}:
        if not head.startswith(ZIP_MAGIC):
            raise _mismatch(kind, display_name)
        _check_zip(uploaded, kind, display_name)


def _check_text(uploaded: Any, head: bytes, display_name: str) -> None:
    """CSV and plain text: no NUL bytes (binary), no markup anywhere (an HTML page renamed .txt)."""
    for magic in (PDF_MAGIC, ZIP_MAGIC, OLE_MAGIC, PNG_MAGIC, JPEG_MAGIC):
        if head.startswith(magic):
            raise FileRejected(
                _("The file %(name)s is not plain text. Give it the extension of its real format.")
                % {"name": display_name},
                code="type_mismatch",
            )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            _("The file %(name)s is saved as UTF-16. Save it as UTF-8 (in Excel: CSV UTF-8) and try again.")
            % {"name": display_name},
            code="encoding",
        )
    tail = b""
    for chunk in _iter_chunks(uploaded):
        if b"\x00" in chunk:
            raise FileRejected(
                _("The file %(name)s is not plain text. Give it the extension of its real format.")
                % {"name": display_name},
                code="type_mismatch",
            )
        window = tail + chunk
        if MARKUP_PATTERN.search(window):
            raise _markup_refusal(display_name)
        tail = window[-64:]


def _check_image(uploaded: Any, kind: FileKind, display_name: str) -> None:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = image_pixel_limit()
    uploaded.seek(0)
    try:
        with Image.open(_open_for_reading(uploaded)) as image:
            expected = "PNG" if kind.extension == "png" else "JPEG"
            if image.format != expected:
                raise _mismatch(kind, display_name)
            width, height = image.size
            if width * height > image_pixel_limit():
                raise Image.DecompressionBombError("too many pixels")
            image.verify()
    except Image.DecompressionBombError as error:
        raise FileRejected(
            _("The image %(name)s has too many pixels to be processed safely. Make it smaller and try again.")
            % {"name": display_name},
            code="image_too_large",
        ) from error
    except FileRejected:
        raise
    except Exception as error:  # noqa: BLE001 - any decoder error means "not a valid image"
        raise _mismatch(kind, display_name) from error
    finally:
        uploaded.seek(0)


def image_pixel_limit() -> int:
    return int(getattr(settings, "RESOURCES_MAX_IMAGE_PIXELS", 50_000_000))


def _check_zip(uploaded: Any, kind: FileKind, display_name: str) -> None:
    """Open the container's central directory (no member is extracted) and check its members: the expected main
    part, no macros, at most N members and a total uncompressed size under the cap (zip bombs)."""
    max_members = int(getattr(settings, "RESOURCES_MAX_ZIP_MEMBERS", DEFAULT_MAX_ZIP_MEMBERS))
    max_total = int(getattr(settings, "RESOURCES_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES))
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(_open_for_reading(uploaded)) as archive:
            members = archive.infolist()
            if len(members) > max_members:
                raise _zip_bomb(display_name)
            total = 0
            names = set()
            for member in members:
                total += member.file_size
                if total > max_total:
                    raise _zip_bomb(display_name)
                if (
                    member.file_size > 10 * 1024 * 1024
                    and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
                ):
                    raise _zip_bomb(display_name)
                names.add(member.filename)
            if kind.family == "ooxml":
                if "[Content_Types].xml" not in names or OOXML_MAIN_PART[kind.extension] not in names:
                    raise _mismatch(kind, display_name)
                if any(name.lower().endswith("vbaproject.bin") for name in names):
                    raise FileRejected(
                        _("The file %(name)s contains macros, which cannot be uploaded. Save it without macros "
                          "(as .docx, .xlsx or .pptx) and try again.") % {"name": display_name},
                        code="macros",
                    )
            else:
                if "mimetype" not in names or "content.xml" not in names:
                    raise _mismatch(kind, display_name)
                mimetype_info = archive.getinfo("mimetype")
                if mimetype_info.file_size > 200:
                    raise _mismatch(kind, display_name)
                if archive.read("mimetype").strip() != ODF_MIMETYPES[kind.extension]:
                    raise _mismatch(kind, display_name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, OSError, NotImplementedError) as error:
        raise _mismatch(kind, display_name) from error
    finally:
        uploaded.seek(0)


def _zip_bomb(display_name: str) -> FileRejected:
    return FileRejected(
        _("The file %(name)s expands to far more data than a real document does, so it cannot be accepted.")
        % {"name": display_name},
        code="zip_bomb",
    )


# --------------------------------------------------------------------------------------------------- ClamAV


class ScannerUnavailable(Exception):
    """clamd could not be reached or answered something unexpected."""


def scanning_enabled() -> bool:
    return bool(getattr(settings, "CLAMAV_URL", "") or getattr(settings, "CLAMAV_SOCKET", ""))


def _clamd_connection() -> socket.socket:
    timeout = float(getattr(settings, "CLAMAV_TIMEOUT", 30))
    socket_path = getattr(settings, "CLAMAV_SOCKET", "")
    if socket_path:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        connection.connect(socket_path)
        return connection
    url = urlparse(settings.CLAMAV_URL)
    if url.scheme != "tcp" or not url.hostname:
        raise ScannerUnavailable(f"CLAMAV_URL must look like tcp://host:3310, not {settings.CLAMAV_URL!r}")
    return socket.create_connection((url.hostname, url.port or 3310), timeout=timeout)


def clamd_instream(chunks: Any) -> str:
    """Send bytes to clamd with the INSTREAM command (zINSTREAM\\0, then 4-byte big-endian length-prefixed chunks,
    a zero-length chunk to finish) and return its reply without the trailing NUL, e.g. "stream: OK"."""
    try:
        with _clamd_connection() as connection:
            connection.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                if chunk:
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = connection.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as error:
        raise ScannerUnavailable(str(error)) from error
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def scan_for_viruses(uploaded: Any, *, name: str) -> None:
    """When CLAMAV_URL or CLAMAV_SOCKET is set, stream the file to clamd. A FOUND answer refuses the file; so does
    a scanner that cannot be reached (fail closed), unless CLAMAV_FAIL_OPEN is set."""
    if not scanning_enabled():
        return
    try:
        reply = clamd_instream(_iter_chunks(uploaded))
    except ScannerUnavailable as error:
        if getattr(settings, "CLAMAV_FAIL_OPEN", False):
            return
        raise FileRejected(
            _("The file %(name)s could not be checked for viruses just now. Please try again in a few minutes.")
            % {"name": name},
            code="scan_unavailable",
        ) from error
    if reply.endswith("FOUND"):
        raise FileRejected(
            _("The file %(name)s contains a virus or other malware (%(signature)s) and cannot be uploaded.")
            % {"name": name, "signature": reply.split(":", 1)[-1].removesuffix("FOUND").strip()},
            code="virus",
        )
    if not reply.endswith("OK"):
        if getattr(settings, "CLAMAV_FAIL_OPEN", False):
            return
        raise FileRejected(
            _("The file %(name)s could not be checked for viruses just now. Please try again in a few minutes.")
            % {"name": name},
            code="scan_unavailable",
        )


def file_path_of(uploaded: Any) -> str | None:
    """The temporary path of a streamed upload, when it has one."""
    path = getattr(uploaded, "temporary_file_path", None)
    if callable(path):
        try:
            candidate = path()
        except Exception:  # noqa: BLE001
            return None
        return candidate if candidate and os.path.exists(candidate) else None
    return None
