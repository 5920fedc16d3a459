"""Writes about files: storing a new file (a new slot or a new version of an existing slot), duplicate detection by
SHA-256, counting downloads, and recording the outcome of text extraction.

Files go through Django's default storage (local disk or S3-compatible by configuration) under a random name; the
uploader's file name is kept, sanitised, for display and the download's Content-Disposition only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from resources.models import FileVersion, Resource, ResourceFile
from resources.validation import CheckedFile, check_uploaded_file

logger = logging.getLogger(__name__)

EXTRACTABLE_FAMILIES = frozenset({"pdf", "ooxml", "odf", "text"})


@dataclass(frozen=True)
class Duplicate:
    """An existing file version with the same bytes. `resource` is None when the viewer may not see it."""

    version: FileVersion
    resource: Resource | None


def refresh_search_vector(resource_id: int) -> None:
    """Ask the search service (resources.services.search, r2) to recompute a resource's search vector. Imported
    lazily: the search module depends on models only, but it may be absent in a partial checkout."""
    try:
        from resources.services.search import update_search_vector
    except ImportError:  # pragma: no cover - only while the search service does not exist yet
        logger.info("resources.services.search not available; search vector of %s not refreshed", resource_id)
        return
    update_search_vector(resource_id=resource_id)


def find_duplicate(*, sha256: str, user: Any, exclude_resource: Resource | None = None) -> Duplicate | None:
    """The oldest stored version with these bytes (outside `exclude_resource`), and its resource only if `user` may
    see that resource (published and visible to them, or theirs, or they review). None when the bytes are new."""
    from resources.permissions import can_view_resource

    versions = FileVersion.objects.filter(sha256=sha256).select_related("file__resource").order_by("created_at", "id")
    if exclude_resource is not None:
        versions = versions.exclude(file__resource=exclude_resource)
    version = versions.first()
    if version is None:
        return None
    resource = version.file.resource
    return Duplicate(version=version, resource=resource if can_view_resource(user, resource) else None)


def _store(version: FileVersion, uploaded_file: Any) -> None:
    # FieldFile.save asks upload_to for the name (a random one); the uploaded name is never part of the path.
    content = uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file)
    content.seek(0)
    version.stored_file.save("upload", content, save=False)


def add_file_version(
    *,
    uploaded_file: Any,
    acting_user: Any,
    resource_file: ResourceFile | None = None,
    resource: Resource | None = None,
    title: str = "",
    change_note: str = "",
    checked: CheckedFile | None = None,
    original_name: str | None = None,
) -> FileVersion:
    """Store one file. With `resource_file`, it becomes that slot's next version (the earlier ones stay listed and
    downloadable, and the slot's "latest" link now serves this one); with `resource` instead, a new slot titled
    `title` (default: the file name) is added to the resource.

    `uploaded_file` is a Django File/UploadedFile or any binary file object; `original_name` overrides its name.
    Unless `checked` (the result of resources.validation.check_uploaded_file) is given, the file is checked here
    and FileRejected (a ValidationError) is raised for anything not acceptable. Text extraction is queued after
    commit; the search vector is refreshed when extraction finishes."""
    if (resource_file is None) == (resource is None):
        raise ValueError("Pass exactly one of resource_file or resource.")
    name = original_name if original_name is not None else getattr(uploaded_file, "name", "") or ""
    if checked is None:
        checked = check_uploaded_file(uploaded_file, name=name)

    version: FileVersion | None = None
    try:
        with transaction.atomic():
            if resource_file is None:
                assert resource is not None
                highest = resource.files.aggregate(highest=Max("position"))["highest"]
                resource_file = ResourceFile.objects.create(
                    resource=resource,
                    title=(title or checked.original_name)[:200],
                    position=0 if highest is None else highest + 1,
                )
            locked = ResourceFile.objects.select_for_update().get(pk=resource_file.pk)
            number = (locked.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
            version = FileVersion(
                file=locked,
                number=number,
                original_name=checked.original_name,
                extension=checked.extension,
                content_type=checked.kind.content_type,
                size=checked.size,
                sha256=checked.sha256,
                change_note=change_note[:500],
                uploaded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
                extraction_status=(
                    FileVersion.Extraction.PENDING
                    if checked.kind.family in EXTRACTABLE_FAMILIES
                    else FileVersion.Extraction.SKIPPED
                ),
            )
            _store(version, uploaded_file)
            version.save()
            ResourceFile.objects.filter(pk=locked.pk).update(latest_version=version)
            resource_file.latest_version = version
            if title and resource is None and title != locked.title:
                ResourceFile.objects.filter(pk=locked.pk).update(title=title[:200])
            if version.extraction_status == FileVersion.Extraction.PENDING:
                version_id = version.pk
                transaction.on_commit(lambda: _enqueue_extraction(version_id))
    except BaseException:
        # The row rolled back; do not leave the stored bytes behind.
        if version is not None and version.stored_file.name:
            try:
                version.stored_file.storage.delete(version.stored_file.name)
            except Exception:  # noqa: BLE001 - cleanup is best effort
                logger.warning("Could not remove %s after a failed upload", version.stored_file.name)
        raise
    return version


def _enqueue_extraction(version_id: int) -> None:
    from resources.tasks import extract_file_text

    extract_file_text.enqueue(version_id=version_id)


def count_download(version: FileVersion) -> None:
    """One download of `version`: +1 on the version, its file slot and its resource, with F() so simultaneous
    downloads are all counted."""
    FileVersion.objects.filter(pk=version.pk).update(download_count=F("download_count") + 1)
    ResourceFile.objects.filter(pk=version.file_id).update(download_count=F("download_count") + 1)
    Resource.objects.filter(pk=version.file.resource_id).update(download_count=F("download_count") + 1)


def record_extraction(*, version_id: int, text: str = "", error: str = "", skipped: bool = False) -> None:
    """Store the outcome of text extraction on the version (text, or the error) and refresh the resource's search
    vector when text was found. A failure never changes the resource's status."""
    if skipped:
        status = FileVersion.Extraction.SKIPPED
    elif error:
        status = FileVersion.Extraction.FAILED
    else:
        status = FileVersion.Extraction.DONE
    updated = FileVersion.objects.filter(pk=version_id).update(
        extracted_text=text if status == FileVersion.Extraction.DONE else "",
        extraction_status=status,
        extraction_error=error[:500],
        extracted_at=timezone.now(),
    )
    if updated and status == FileVersion.Extraction.DONE:
        resource_id = FileVersion.objects.filter(pk=version_id).values_list("file__resource_id", flat=True).first()
        if resource_id:
            refresh_search_vector(resource_id)


def extract_version_text(*, version_id: int) -> str:
    """Run text extraction for one stored version (called by the background task) and record the outcome: the text,
    or the error ("failed"), or "skipped" for types without text. Never raises for a bad file: a failure is
    recorded on the version and the resource's review and publication go on regardless. Returns the status."""
    import os
    import tempfile

    from resources.extraction import EXTRACTABLE_EXTENSIONS, ExtractionError, extract_text

    version = FileVersion.objects.filter(pk=version_id).first()
    if version is None:
        return "missing"
    if version.extension not in EXTRACTABLE_EXTENSIONS:
        record_extraction(version_id=version_id, skipped=True)
        return FileVersion.Extraction.SKIPPED
    storage = version.stored_file.storage
    temporary_path = None
    try:
        try:
            path = storage.path(version.stored_file.name)
        except NotImplementedError:
            # Remote storage (S3): copy to a local temporary file in chunks.
            with tempfile.NamedTemporaryFile(suffix=f".{version.extension}", delete=False) as handle:
                temporary_path = handle.name
                with storage.open(version.stored_file.name, "rb") as source:
                    for chunk in iter(lambda: source.read(64 * 1024), b""):
                        handle.write(chunk)
            path = temporary_path
        text = extract_text(path, version.extension, size=version.size)
    except (ExtractionError, OSError) as error:
        message = str(error) or type(error).__name__
        logger.info("Text extraction failed for file version %s: %s", version_id, message)
        record_extraction(version_id=version_id, error=message)
        return FileVersion.Extraction.FAILED
    finally:
        if temporary_path:
            try:
                os.unlink(temporary_path)
            except OSError:
                pass
    record_extraction(version_id=version_id, text=text)
    return FileVersion.Extraction.DONE
