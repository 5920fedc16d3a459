"""File delivery (resources/views/files.py): permission checks (404 for anything the person may not see), headers
(attachment with a sanitised RFC 5987 name, nosniff, type), download counters, inline preview under a sandboxing
CSP for PDFs and images only, and hand-off to the web server (X-Accel-Redirect / X-Sendfile)."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from resources.models import FileVersion, Resource, ResourceFile
from resources.services import files as file_services
from resources.views.files import content_disposition
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, make_docx_bytes, make_published_resource_with_pdf

pytestmark = pytest.mark.django_db


def login(role: str):
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    return client, user


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_public_file_downloads_as_an_attachment_with_safe_headers():
    resource = make_published_resource_with_pdf("Public bytes")
    slot = resource.files.get()

    response = Client().get(f"/resources/files/{slot.pk}/latest/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert body(response) == slot.latest_version.stored_file.open("rb").read()


def test_each_download_counts_on_the_version_the_file_and_the_resource_but_head_does_not():
    resource = make_published_resource_with_pdf("Counted")
    slot = resource.files.get()
    client = Client()

    body(client.get(f"/resources/files/{slot.pk}/latest/"))
    body(client.get(f"/resources/files/{slot.pk}/v1/"))
    client.head(f"/resources/files/{slot.pk}/latest/")

    slot.refresh_from_db()
    resource.refresh_from_db()
    assert slot.download_count == 2
    assert FileVersion.objects.get(file=slot, number=1).download_count == 2
    assert resource.download_count == 2


def test_counters_do_not_lose_simultaneous_downloads():
    resource = make_published_resource_with_pdf("Race")
    version = resource.files.get().latest_version
    stale_a = FileVersion.objects.select_related("file").get(pk=version.pk)
    stale_b = FileVersion.objects.select_related("file").get(pk=version.pk)

    file_services.count_download(stale_a)
    file_services.count_download(stale_b)

    assert FileVersion.objects.get(pk=version.pk).download_count == 2
    assert Resource.objects.get(pk=resource.pk).download_count == 2


@pytest.mark.parametrize(
    ("name", "ascii_part", "encoded_part"),
    [
        ("Khâi-Ma budget.pdf", 'filename="Khai-Ma budget.pdf"', "filename*=UTF-8''" + quote("Khâi-Ma budget.pdf")),
        ('evil"\r\nSet-Cookie: x=1.pdf', 'filename="evil_ Set-Cookie_ x=1.pdf"', None),
        ("../../etc/passwd.pdf", 'filename="passwd.pdf"', "filename*=UTF-8''passwd.pdf"),
        ("Tshivenḓa.pdf", 'filename="Tshivenda.pdf"', "filename*=UTF-8''" + quote("Tshivenḓa.pdf")),
        ("报告.pdf", 'filename="download.pdf"', "filename*=UTF-8''" + quote("报告.pdf")),
    ],
)
def test_content_disposition_names_are_sanitised_and_encoded(name, ascii_part, encoded_part):
    header = content_disposition("attachment", name)

    assert "\r" not in header and "\n" not in header
    assert ascii_part in header
    if encoded_part:
        assert encoded_part in header


def test_versions_are_served_by_number_and_unknown_ones_are_404():
    resource = make_published_resource_with_pdf("v1")
    slot = resource.files.get()
    uploader = resource.created_by
    file_services.add_file_version(
        resource_file=slot, uploaded_file=ContentFile(make_docx_bytes("v2"), name="v2.docx"), acting_user=uploader
    )
    client = Client()

    latest = client.get(f"/resources/files/{slot.pk}/latest/")
    first = client.get(f"/resources/files/{slot.pk}/v1/")

    assert latest["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert first["Content-Type"] == "application/pdf"
    assert client.get(f"/resources/files/{slot.pk}/v3/").status_code == 404
    assert client.get("/resources/files/999999/latest/").status_code == 404


def test_a_missing_stored_file_is_404_not_500():
    resource = make_published_resource_with_pdf("Gone")
    version = resource.files.get().latest_version
    version.stored_file.storage.delete(version.stored_file.name)

    assert Client().get(f"/resources/files/{version.file_id}/latest/").status_code == 404


# ------------------------------------------------------------------------------------------------ who may download


@pytest.mark.parametrize(
    ("visibility", "role", "allowed"),
    [
        ("internal", "visitor", False),
        ("internal", "member", False),
        ("internal", "municipal_official", False),
        ("internal", "newsletter_publisher", False),
        ("internal", "salga_staff", True),
        ("internal", "content_reviewer", True),
        ("internal", "site_administrator", True),
        ("members", "visitor", False),
        ("members", "unverified", False),
        ("members", "member", True),
        ("public", "visitor", True),
    ],
)
def test_downloads_follow_visibility(visibility, role, allowed):
    resource = make_published_resource_with_pdf("Secret figures", visibility=visibility)
    slot = resource.files.get()
    client, _user = login(role)

    responses = [
        client.get(f"/resources/files/{slot.pk}/latest/"),
        client.get(f"/resources/files/{slot.pk}/v1/"),
        client.get(f"/resources/files/{slot.pk}/preview/"),
    ]

    assert [response.status_code for response in responses] == ([200] * 3 if allowed else [404] * 3)
    if not allowed:
        assert ResourceFile.objects.get(pk=slot.pk).download_count == 0
        assert b"Secret figures" not in b"".join(response.content for response in responses)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("uploader", True), ("content_reviewer", True), ("site_administrator", True), ("salga_staff", False),
     ("member", False), ("visitor", False)],
)
def test_unpublished_files_are_for_the_uploader_and_reviewers_only(who, allowed):
    uploader = make_user_with_role("member")
    resource = make_published_resource_with_pdf("Draft", created_by=uploader, status="submitted", published_at=None)
    slot = resource.files.get()
    if who == "uploader":
        client = Client()
        client.force_login(uploader)
    else:
        client, _user = login(who)

    assert client.get(f"/resources/files/{slot.pk}/latest/").status_code == (200 if allowed else 404)


# ------------------------------------------------------------------------------------------------ preview


def test_pdf_preview_is_inline_under_a_restrictive_policy():
    resource = make_published_resource_with_pdf("Preview me")
    slot = resource.files.get()

    response = Client().get(f"/resources/files/{slot.pk}/preview/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline; ")
    assert response["Content-Type"] == "application/pdf"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_image_preview_is_sandboxed_and_other_types_have_no_preview():
    resource = ResourceFactory()
    uploader = resource.created_by
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="PNG")
    image = file_services.add_file_version(
        resource=resource, uploaded_file=ContentFile(buffer.getvalue(), name="map.png"), acting_user=uploader
    )
    word = file_services.add_file_version(
        resource=resource, uploaded_file=ContentFile(make_docx_bytes("w"), name="w.docx"), acting_user=uploader
    )
    client = Client()

    response = client.get(f"/resources/files/{image.file_id}/preview/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert response["Content-Type"] == "image/png"
    assert client.get(f"/resources/files/{word.file_id}/preview/").status_code == 404


# ------------------------------------------------------------------------------------------------ web server hand-off


def test_x_accel_redirect_hands_delivery_to_nginx(settings):
    settings.RESOURCES_FILE_DELIVERY = "x-accel-redirect"
    settings.RESOURCES_X_ACCEL_PREFIX = "/protected-media/"
    resource = make_published_resource_with_pdf("nginx")
    version = resource.files.get().latest_version

    response = Client().get(f"/resources/files/{version.file_id}/latest/")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{version.stored_file.name}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_x_sendfile_hands_delivery_to_apache(settings):
    settings.RESOURCES_FILE_DELIVERY = "x-sendfile"
    resource = make_published_resource_with_pdf("apache")
    version = resource.files.get().latest_version

    response = Client().get(f"/resources/files/{version.file_id}/latest/")

    assert response["X-Sendfile"] == version.stored_file.path
    assert response.content == b""


def test_x_accel_redirect_still_checks_permission(settings):
    settings.RESOURCES_FILE_DELIVERY = "x-accel-redirect"
    resource = make_published_resource_with_pdf("internal nginx", visibility="internal")

    response = Client().get(f"/resources/files/{resource.files.get().pk}/latest/")

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
