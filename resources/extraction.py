"""Text extraction from stored files, so that search finds words inside documents.

PDF through pypdf; Word (.docx), PowerPoint (.pptx), Excel (.xlsx) and OpenDocument (.odt/.ods/.odp) by reading
their XML parts with zipfile + defusedxml (no external tools); CSV and plain text decoded directly. Legacy binary
Office files (.doc/.xls/.ppt) and images are not extracted.

Limits, all in settings with safe defaults: the input size (RESOURCES_EXTRACTION_MAX_INPUT_BYTES, 50 MB), the output
(RESOURCES_EXTRACTION_MAX_CHARS, 200,000 characters), the time (RESOURCES_EXTRACTION_TIMEOUT, 60 s) and the memory
(RESOURCES_EXTRACTION_MAX_MEMORY_BYTES, 1 GB address space). The parsing runs in a forked child process, so a
hostile or broken file that makes a parser loop, crash or balloon is stopped without harming the worker."""

from __future__ import annotations

import multiprocessing
import re
import time
import zipfile
from typing import Any, Callable

from django.conf import settings

DEFAULT_MAX_INPUT_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_CHARS = 200_000
DEFAULT_TIMEOUT_SECONDS = 60
DEFAULT_MAX_MEMORY_BYTES = 1024 * 1024 * 1024
MAX_XML_MEMBER_BYTES = 30 * 1024 * 1024

EXTRACTABLE_EXTENSIONS = frozenset({"pdf", "docx", "pptx", "xlsx", "odt", "ods", "odp", "csv", "txt"})

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
S_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


class ExtractionError(Exception):
    """Text could not be extracted; the message is stored on the file version (and shown to reviewers)."""


def limits() -> dict[str, int]:
    return {
        "max_input": int(getattr(settings, "RESOURCES_EXTRACTION_MAX_INPUT_BYTES", DEFAULT_MAX_INPUT_BYTES)),
        "max_chars": int(getattr(settings, "RESOURCES_EXTRACTION_MAX_CHARS", DEFAULT_MAX_CHARS)),
        "timeout": int(getattr(settings, "RESOURCES_EXTRACTION_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)),
        "max_memory": int(getattr(settings, "RESOURCES_EXTRACTION_MAX_MEMORY_BYTES", DEFAULT_MAX_MEMORY_BYTES)),
    }


class _Collector:
    """Accumulates text up to a character cap and a deadline."""

    def __init__(self, max_chars: int, deadline: float) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.max_chars = max_chars
        self.deadline = deadline

    @property
    def full(self) -> bool:
        return self.length >= self.max_chars

    def add(self, text: str | None) -> None:
        if time.monotonic() > self.deadline:
            raise ExtractionError("Text extraction took too long and was stopped.")
        if not text or self.full:
            return
        text = text[: self.max_chars - self.length]
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        joined = "\n".join(self.parts)
        joined = re.sub(r"[ \t\f\v\u00a0]+", " ", joined)
        joined = re.sub(r"\n\s*\n+", "\n\n", joined)
        return joined.strip()[: self.max_chars]


def _xml_root(archive: zipfile.ZipFile, name: str) -> Any:
    from defusedxml import ElementTree

    info = archive.getinfo(name)
    if info.file_size > MAX_XML_MEMBER_BYTES:
        raise ExtractionError(f"The part {name} is too large to read.")
    with archive.open(info) as member:
        data = member.read(MAX_XML_MEMBER_BYTES + 1)
    if len(data) > MAX_XML_MEMBER_BYTES:
        raise ExtractionError(f"The part {name} is too large to read.")
    return ElementTree.fromstring(data)


def _numbered(names: list[str], pattern: str) -> list[str]:
    regex = re.compile(pattern)
    found = [(int(match.group(1)), name) for name in names if (match := regex.fullmatch(name))]
    return [name for _number, name in sorted(found)]


def _extract_pdf(path: str, out: _Collector) -> None:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception as error:  # noqa: BLE001
            raise ExtractionError("The PDF is encrypted.") from error
    for page in reader.pages:
        out.add(page.extract_text())
        if out.full:
            break


def _extract_docx(archive: zipfile.ZipFile, out: _Collector) -> None:
    names = archive.namelist()
    parts = ["word/document.xml", *sorted(n for n in names if re.fullmatch(r"word/(header|footer)\d*\.xml", n))]
    for part in parts:
        if part not in names:
            continue
        root = _xml_root(archive, part)
        for paragraph in root.iter(f"{W_NS}p"):
            out.add("".join(node.text or "" for node in paragraph.iter(f"{W_NS}t")))
            if out.full:
                return


def _extract_pptx(archive: zipfile.ZipFile, out: _Collector) -> None:
    names = archive.namelist()
    for part in _numbered(names, r"ppt/slides/slide(\d+)\.xml") + _numbered(names, r"ppt/notesSlides/notesSlide(\d+)\.xml"):
        root = _xml_root(archive, part)
        for paragraph in root.iter(f"{A_NS}p"):
            out.add("".join(node.text or "" for node in paragraph.iter(f"{A_NS}t")))
        if out.full:
            return


def _extract_xlsx(archive: zipfile.ZipFile, out: _Collector) -> None:
    names = archive.namelist()
    if "xl/workbook.xml" in names:
        for sheet in _xml_root(archive, "xl/workbook.xml").iter(f"{S_NS}sheet"):
            out.add(sheet.get("name"))
    if "xl/sharedStrings.xml" in names:
        for item in _xml_root(archive, "xl/sharedStrings.xml").iter(f"{S_NS}si"):
            out.add("".join(node.text or "" for node in item.iter(f"{S_NS}t")))
            if out.full:
                return
    for part in _numbered(names, r"xl/worksheets/sheet(\d+)\.xml"):
        for inline in _xml_root(archive, part).iter(f"{S_NS}is"):
            out.add("".join(node.text or "" for node in inline.iter(f"{S_NS}t")))
        if out.full:
            return


def _extract_odf(archive: zipfile.ZipFile, out: _Collector) -> None:
    root = _xml_root(archive, "content.xml")
    for element in root.iter():
        if element.tag in (f"{TEXT_NS}p", f"{TEXT_NS}h"):
            out.add("".join(element.itertext()))
            if out.full:
                return


def _extract_text_file(path: str, out: _Collector) -> None:
    with open(path, "rb") as handle:
        data = handle.read(out.max_chars * 4)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3:
            # The cap cut a multi-byte character in half.
            text = data[: error.start].decode("utf-8", errors="replace")
        else:
            # Spreadsheets saved by older Excel on Windows are cp1252.
            text = data.decode("cp1252", errors="replace")
    out.add(text)


ZIP_EXTRACTORS: dict[str, Callable[[zipfile.ZipFile, _Collector], None]] = {
    "docx": _extract_docx,
    "pptx": _extract_pptx,
    "xlsx": _extract_xlsx,
    "odt": _extract_odf,
    "ods": _extract_odf,
    "odp": _extract_odf,
}


def extract_text_unsandboxed(path: str, extension: str, *, max_chars: int, deadline: float) -> str:
    """Extract in this process (the child calls this). Raises ExtractionError or whatever the parser raises."""
    out = _Collector(max_chars, deadline)
    if extension == "pdf":
        _extract_pdf(path, out)
    elif extension in ZIP_EXTRACTORS:
        with zipfile.ZipFile(path) as archive:
            ZIP_EXTRACTORS[extension](archive, out)
    elif extension in {"csv", "txt"}:
        _extract_text_file(path, out)
    else:
        raise ExtractionError(f"No text extraction for .{extension} files.")
    return out.text()


def _child(connection: Any, path: str, extension: str, max_chars: int, timeout: int, max_memory: int) -> None:
    try:
        try:
            import resource as rlimit

            rlimit.setrlimit(rlimit.RLIMIT_AS, (max_memory, max_memory))
        except (ImportError, ValueError, OSError):
            pass
        text = extract_text_unsandboxed(path, extension, max_chars=max_chars, deadline=time.monotonic() + timeout)
        connection.send(("ok", text))
    except MemoryError:
        connection.send(("error", "Text extraction needed too much memory and was stopped."))
    except ExtractionError as error:
        connection.send(("error", str(error)))
    except BaseException as error:  # noqa: BLE001 - any parser failure is recorded, never raised
        connection.send(("error", f"{type(error).__name__}: {error}"[:480]))
    finally:
        connection.close()


def extract_text(path: str, extension: str, *, size: int | None = None) -> str:
    """Text of the file at `path` (a local file), within the configured limits. Raises ExtractionError with a short,
    storable message on any failure, including a timeout or a crash of the parser."""
    extension = extension.lower()
    if extension not in EXTRACTABLE_EXTENSIONS:
        raise ExtractionError(f"No text extraction for .{extension} files.")
    configured = limits()
    if size is not None and size > configured["max_input"]:
        raise ExtractionError("The file is too large for text extraction.")
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(sender, path, extension, configured["max_chars"], configured["timeout"], configured["max_memory"]),
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(configured["timeout"] + 2):
            raise ExtractionError("Text extraction took too long and was stopped.")
        try:
            outcome, payload = receiver.recv()
        except EOFError as error:
            raise ExtractionError("Text extraction stopped unexpectedly.") from error
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if outcome != "ok":
        raise ExtractionError(payload)
    return payload
