"""Helpers for search tests: make resources findable (search vectors and the "did you mean" vocabulary)."""

from __future__ import annotations

from typing import Any

from resources.models import FileVersion, Resource, ResourceFile
from resources.services.search import refresh_search_vocabulary, update_search_vectors
from tests.resources.factories import ResourceFactory


def index(*resources: Resource) -> None:
    """Compute the search data of these resources (or of all, when none are given) and refresh the vocabulary."""
    ids = [resource.pk for resource in resources] or list(Resource.objects.values_list("pk", flat=True))
    update_search_vectors(resource_ids=ids)
    refresh_search_vocabulary()


def resource_with_text(file_text: str = "", **fields: Any) -> Resource:
    """A resource (published, public unless told) whose one file's latest version has `file_text` extracted,
    indexed for search. No file is stored: search reads the extracted text only."""
    resource = ResourceFactory(**fields)
    if file_text:
        resource_file = ResourceFile.objects.create(resource=resource, title="Document (PDF)")
        version = FileVersion.objects.create(
            file=resource_file, number=1, stored_file="resources/test/none.pdf", original_name="document.pdf",
            extension="pdf", content_type="application/pdf", size=123_456, sha256="0" * 64,
            extracted_text=file_text, extraction_status=FileVersion.Extraction.DONE,
        )
        ResourceFile.objects.filter(pk=resource_file.pk).update(latest_version=version)
    index(resource)
    resource.refresh_from_db()
    return resource
