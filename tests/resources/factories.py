"""Shared factories for resource-centre tests (used by every tests/resources/ module).

- TopicFactory, ResourceFactory (published, public by default; pass status/visibility to change),
  ResourceFileFactory, FileVersionFactory.
- make_pdf_bytes(text) -> the bytes of a small, real one-page PDF containing `text`.
- make_docx_bytes(text) -> the bytes of a small, real .docx containing `text`.
- make_published_resource_with_pdf(text=..., **resource_fields) -> a published Resource whose single file has one
  real PDF version stored through Django's default storage (extraction_status "done", extracted text filled).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from resources.models import FileVersion, Resource, ResourceFile, Topic
from tests.factories import UserFactory


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    parent = None


class ResourceFactory(factory.django.DjangoModelFactory):
    """A published, public guide by default. `topics=[...]` and `tags=[...]` are accepted."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Guide to municipal practice {n}")
    slug = factory.Sequence(lambda n: f"guide-to-municipal-practice-{n}")
    summary = "A practical guide for municipal officials."
    body = "Some **useful** text."
    body_html = "<p>Some <strong>useful</strong> text.</p>"
    resource_type = Resource.ResourceType.GUIDE
    languages = factory.LazyFunction(lambda: ["en"])
    visibility = Resource.Visibility.PUBLIC
    status = Resource.Status.PUBLISHED
    created_by = factory.SubFactory(UserFactory)
    published_at = factory.LazyAttribute(
        lambda obj: timezone.now() if obj.status == Resource.Status.PUBLISHED else None
    )
    submitted_at = factory.LazyAttribute(
        lambda obj: timezone.now() if obj.status != Resource.Status.DRAFT else None
    )

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.topics.set(extracted)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.set(extracted)


def make_pdf_bytes(text: str = "Hello from the LG Knowledge Hub.") -> bytes:
    """A small, real one-page PDF (fpdf2) whose text layer contains `text` (Latin-1 characters only)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_docx_bytes(text: str = "Hello from the LG Knowledge Hub.") -> bytes:
    """A minimal but valid .docx (OOXML zip) with one paragraph of `text`."""
    from xml.sax.saxutils import escape

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


class ResourceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceFile

    resource = factory.SubFactory(ResourceFactory)
    title = "Document"


class FileVersionFactory(factory.django.DjangoModelFactory):
    """A stored PDF version; call `set_latest(version)` (or use make_published_resource_with_pdf) to make it latest."""

    class Meta:
        model = FileVersion
        exclude = ("content",)

    content = factory.LazyFunction(make_pdf_bytes)
    file = factory.SubFactory(ResourceFileFactory)
    number = 1
    extension = "pdf"
    content_type = "application/pdf"
    original_name = "document.pdf"
    stored_file = factory.LazyAttribute(lambda obj: ContentFile(obj.content, name="upload.pdf"))
    size = factory.LazyAttribute(lambda obj: len(obj.content))
    sha256 = factory.LazyAttribute(lambda obj: hashlib.sha256(obj.content).hexdigest())
    extraction_status = FileVersion.Extraction.DONE


def set_latest(version: FileVersion) -> FileVersion:
    ResourceFile.objects.filter(pk=version.file_id).update(latest_version=version)
    version.file.latest_version = version
    return version


def make_published_resource_with_pdf(
    text: str = "The municipal budget cycle explained.", *, file_title: str = "Guide (PDF)", **resource_fields: Any
) -> Resource:
    """A published resource (public unless `visibility=` says otherwise) with one file whose single version is a real
    PDF containing `text`, stored through default_storage. Extracted text is filled in directly (no task run)."""
    resource = ResourceFactory(**resource_fields)
    content = make_pdf_bytes(text)
    resource_file = ResourceFile.objects.create(resource=resource, title=file_title)
    version = FileVersionFactory(
        file=resource_file,
        content=content,
        original_name=f"{resource.slug[:60]}.pdf",
        extracted_text=text,
        extraction_status=FileVersion.Extraction.DONE,
        uploaded_by=resource.created_by,
    )
    set_latest(version)
    return resource
