"""Uploading at /resources/new/, "My uploads", editing with optimistic locking and new file versions — including
every bad input the issue lists for uploads (each: a clear error and nothing stored)."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hub.models import AuditEntry
from resources.models import FileVersion, Resource, ResourceFile, ReviewEvent
from tests.factories import make_user_with_role
from tests.resources.factories import (
    ResourceFactory,
    TopicFactory,
    make_docx_bytes,
    make_pdf_bytes,
    make_published_resource_with_pdf,
)
from tests.resources.fake_clamd import EICAR, FakeClamd

pytestmark = pytest.mark.django_db

NEW_URL = "/resources/new/"


def form_data(**overrides):
    data = {
        "title": "Indigent policy toolkit",
        "summary": "How one municipality registers indigent households and keeps the register current.",
        "body": "A **practical** toolkit.",
        "resource_type": "toolkit",
        "languages": ["en"],
        "licence": "cc-by-4.0",
        "visibility": "public",
        "tags": "indigent, free basic services",
    }
    data.update(overrides)
    return data


def pdf_upload(name="toolkit.pdf", text="Indigent register procedure"):
    return SimpleUploadedFile(name, make_pdf_bytes(text), content_type="application/pdf")


def login(role: str):
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    return client, user


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


def assert_nothing_stored(settings):
    assert Resource.objects.count() == 0
    assert FileVersion.objects.count() == 0
    assert ResourceFile.objects.count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []


# ------------------------------------------------------------------------------------------------ who may upload


def test_visitors_are_sent_to_sign_in():
    response = Client().get(NEW_URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_people_with_an_unverified_email_are_told_to_verify_it_and_cannot_post(settings):
    client, _user = login("unverified")

    assert client.get(NEW_URL).status_code == 403
    response = client.post(NEW_URL, {**form_data(), "files": [pdf_upload()]})

    assert response.status_code == 403
    assert_nothing_stored(settings)


def test_the_form_shows_the_limit_the_types_and_no_publish_option_for_members():
    client, _user = login("member")

    response = client.get(NEW_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "Up to 100\xa0MB each" in content
    assert 'accept=".pdf,.docx' in content
    assert "publish_now" not in content


def test_the_contributing_organisation_is_preselected_from_the_profile():
    client, official = login("municipal_official")

    content = client.get(NEW_URL).content.decode()

    assert f'<option value="{official.profile.organisation_id}" selected>' in content


# ------------------------------------------------------------------------------------------------ the happy path


def test_a_member_uploads_two_files_and_the_item_is_submitted_with_reviewers_emailed(
    settings, django_capture_on_commit_callbacks
):
    # Given a reviewer and an official
    reviewer = make_user_with_role("content_reviewer")
    client, official = login("municipal_official")
    topic = TopicFactory(name="Municipal Finance (MFMA)", slug="mfma")
    pdf_bytes = make_pdf_bytes("Indigent register procedure")

    # When the official uploads a PDF and a Word file
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            NEW_URL,
            {
                **form_data(topics=[topic.pk], organisation=official.profile.organisation_id),
                "files": [
                    SimpleUploadedFile("toolkit.pdf", pdf_bytes),
                    SimpleUploadedFile("Register template.docx", make_docx_bytes("Register template")),
                ],
            },
        )

    # Then the item is submitted and the uploader lands on "My uploads"
    assert response.status_code == 302
    assert response["Location"] == reverse("resources:my_uploads")
    resource = Resource.objects.get()
    assert resource.status == Resource.Status.SUBMITTED
    assert resource.created_by == official
    assert resource.submitted_at is not None
    assert list(resource.topics.all()) == [topic]
    assert sorted(resource.tags.names()) == ["free basic services", "indigent"]
    assert resource.organisation == official.profile.organisation
    assert resource.body_html == "<p>A <strong>practical</strong> toolkit.</p>\n"
    assert ReviewEvent.objects.filter(resource=resource, kind=ReviewEvent.Kind.SUBMITTED).count() == 1

    # And both files are stored under random names, with their hash, size and type from the bytes
    versions = FileVersion.objects.filter(file__resource=resource).order_by("file__position")
    assert [version.original_name for version in versions] == ["toolkit.pdf", "Register template.docx"]
    pdf_version = versions[0]
    assert pdf_version.sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    assert pdf_version.size == len(pdf_bytes)
    assert pdf_version.content_type == "application/pdf"
    assert "toolkit" not in pdf_version.stored_file.name
    assert pdf_version.stored_file.name.startswith("resources/")
    assert pdf_version.file.latest_version == pdf_version
    assert pdf_version.extraction_status == FileVersion.Extraction.DONE

    # And the reviewer is emailed a link to the review page
    review_mails = [message for message in mail.outbox if reviewer.email in message.to]
    assert len(review_mails) == 1
    assert "Indigent policy toolkit" in review_mails[0].subject
    assert f"/resources/review/{resource.slug}/" in review_mails[0].body
    assert official.email not in [address for message in mail.outbox for address in message.to]

    # And the upload is listed under "My uploads" with its status
    page = client.get("/resources/mine/").content.decode()
    assert "Indigent policy toolkit" in page
    assert "Submitted for review" in page


def test_staff_may_publish_their_own_upload_directly():
    client, staff = login("salga_staff")

    response = client.post(NEW_URL, {**form_data(publish_now="on"), "files": [pdf_upload()]})

    resource = Resource.objects.get()
    assert response.status_code == 302
    assert resource.status == Resource.Status.PUBLISHED
    assert resource.published_at is not None
    assert ReviewEvent.objects.filter(resource=resource, kind=ReviewEvent.Kind.PUBLISHED).exists()
    assert AuditEntry.objects.filter(action="resource.published", actor=staff).exists()


def test_a_member_cannot_publish_directly_by_adding_the_field():
    client, _member = login("member")

    client.post(NEW_URL, {**form_data(publish_now="on"), "files": [pdf_upload()]})

    assert Resource.objects.get().status == Resource.Status.SUBMITTED


def test_a_link_without_files_is_accepted_but_nothing_at_all_is_not(settings):
    client, _member = login("member")

    response = client.post(NEW_URL, form_data(resource_type="recording"))
    assert response.status_code == 200
    assert "Choose at least one file" in response.content.decode()
    assert_nothing_stored(settings)

    response = client.post(NEW_URL, form_data(resource_type="recording", external_url="https://video.example.org/x"))
    assert response.status_code == 302
    assert Resource.objects.get().files.count() == 0


def test_script_in_markdown_is_neutralised():
    client, _member = login("member")

    client.post(
        NEW_URL,
        {
            **form_data(
                body='<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror="alert(1)">\n\n'
                "[ok](https://www.salga.org.za)"
            ),
            "files": [pdf_upload()],
        },
    )

    html = Resource.objects.get().body_html
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert '<a href="https://www.salga.org.za" rel="nofollow noopener">ok</a>' in html


def test_hostile_and_non_ascii_text_is_kept_as_text():
    client, _member = login("member")

    client.post(
        NEW_URL,
        {**form_data(title="Khâi-Ma <b>budget</b>\u202e\x07 guide", summary="Tshivenḓa summary"), "files": [pdf_upload()]},
    )

    resource = Resource.objects.get()
    assert resource.title == "Khâi-Ma <b>budget</b> guide"
    assert resource.slug == "khai-ma-bbudgetb-guide"
    assert resource.summary == "Tshivenḓa summary"
    page = Client().get("/resources/mine/")  # anonymous: redirected, nothing to render
    assert page.status_code == 302


# ------------------------------------------------------------------------------------------------ bad files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("guide.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "its contents are not a PDF file"),
        ("page.html", b"<html><body>Hi</body></html>", "it must be a PDF, Word"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "it must be a PDF, Word"),
        ("notes.txt", b"<html><script>alert(1)</script></html>", "web-page code"),
        ("poly.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>", "web-page code"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_bad_files_get_a_clear_error_and_nothing_is_stored(settings, name, content, message):
    client, _member = login("member")

    response = client.post(NEW_URL, {**form_data(), "files": [SimpleUploadedFile(name, content)]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert 'href="#id_files"' in page  # the error summary links to the field
    assert_nothing_stored(settings)


def test_a_zip_bomb_disguised_as_word_is_refused_through_the_form(settings):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/huge.bin", b"\0" * (30 * 1024 * 1024))
    client, _member = login("member")

    response = client.post(NEW_URL, {**form_data(), "files": [SimpleUploadedFile("toolkit.docx", buffer.getvalue())]})

    assert "expands to far more data" in response.content.decode()
    assert_nothing_stored(settings)


def test_a_file_over_the_limit_is_refused_while_streaming_and_nothing_is_stored(settings):
    settings.RESOURCES_MAX_UPLOAD_BYTES = 50_000
    client, _member = login("member")
    big = make_pdf_bytes("big") + b"%" * 60_000

    response = client.post(NEW_URL, {**form_data(), "files": [SimpleUploadedFile("big.pdf", big)]})

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file big.pdf is larger than 48.8\xa0KB" in page
    assert_nothing_stored(settings)


def test_the_eicar_file_is_refused_when_scanning_is_on(settings):
    clamd = FakeClamd()
    try:
        settings.CLAMAV_URL = clamd.url
        client, _member = login("member")

        response = client.post(NEW_URL, {**form_data(), "files": [SimpleUploadedFile("eicar.txt", EICAR)]})

        assert "contains a virus" in response.content.decode()
        assert clamd.streams == [EICAR]
        assert_nothing_stored(settings)
    finally:
        clamd.close()


def test_path_and_control_characters_in_names_never_reach_storage():
    client, _member = login("member")
    upload = SimpleUploadedFile("x.pdf", make_pdf_bytes())
    upload.name = "..\\..\\windows\\sys\x01tem\x7f\u202e.pdf"  # Django's parser strips "/" paths itself

    client.post(NEW_URL, {**form_data(), "files": [upload]})

    version = FileVersion.objects.get()
    assert version.original_name == "system.pdf"
    assert ".." not in version.stored_file.name
    assert "system" not in version.stored_file.name
    assert Path(version.stored_file.path).resolve().is_relative_to(Path(version.stored_file.storage.location).resolve())


# ------------------------------------------------------------------------------------------------ duplicates


def test_a_file_already_in_the_library_is_linked_when_the_uploader_may_see_it(settings):
    existing = make_published_resource_with_pdf("Same bytes", title="Existing guide", slug="existing-guide")
    content = existing.files.get().latest_version.stored_file.read()
    client, _member = login("member")

    response = client.post(NEW_URL, {**form_data(), "files": [SimpleUploadedFile("copy.pdf", content)]})

    page = response.content.decode()
    assert "already here" in page
    assert '<a href="/resources/existing-guide/">Existing guide</a>' in page
    assert Resource.objects.count() == 1


def test_a_duplicate_of_something_the_uploader_may_not_see_gets_a_neutral_message():
    secret = make_published_resource_with_pdf(
        "Internal bytes", title="Internal strategy", slug="internal-strategy", visibility="internal"
    )
    content = secret.files.get().latest_version.stored_file.read()
    client, _member = login("member")

    response = client.post(NEW_URL, {**form_data(), "files": [SimpleUploadedFile("copy.pdf", content)]})

    page = response.content.decode()
    assert "has already been uploaded to the hub" in page
    assert "Internal strategy" not in page
    assert "internal-strategy" not in page
    assert Resource.objects.count() == 1


# ------------------------------------------------------------------------------------------------ streaming


class GeneratedStream(io.RawIOBase):
    """A request body produced on the fly, so the test itself holds no large buffer."""

    def __init__(self, head: bytes, size: int, tail: bytes) -> None:
        self.parts = [head, None, tail]
        self.remaining = size
        self.head, self.tail = head, tail
        self.position = 0
        self.length = len(head) + size + len(tail)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.position >= self.length:
            return 0
        wanted = len(buffer)
        data = bytearray()
        while len(data) < wanted and self.position < self.length:
            if self.position < len(self.head):
                chunk = self.head[self.position : self.position + wanted - len(data)]
            elif self.position < len(self.head) + self.remaining:
                count = min(wanted - len(data), len(self.head) + self.remaining - self.position)
                chunk = b"0" * count
            else:
                offset = self.position - len(self.head) - self.remaining
                chunk = self.tail[offset : offset + wanted - len(data)]
            data += chunk
            self.position += len(chunk)
        buffer[: len(data)] = data
        return len(data)


def _streamed_request(size: int):
    from django.core.handlers.wsgi import WSGIRequest

    boundary = "xxBOUNDARYxx"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    stream = io.BufferedReader(GeneratedStream(head, size, tail), buffer_size=64 * 1024)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": NEW_URL,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(len(head) + size + len(tail)),
        "wsgi.input": stream,
    }
    return WSGIRequest(environ)


def test_uploads_stream_to_disk_with_flat_memory_and_hash_on_the_way(settings):
    from resources.uploads import use_streaming_uploads

    settings.RESOURCES_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
    size = 40 * 1024 * 1024
    request = _streamed_request(size)
    use_streaming_uploads(request)

    tracemalloc.start()
    uploaded = request.FILES["files"]
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes while receiving a {size}-byte upload"
    assert uploaded.temporary_file_path()
    expected = hashlib.sha256(b"%PDF-1.4\n" + b"0" * size).hexdigest()
    assert uploaded.sha256 == expected
    assert uploaded.size == size + len(b"%PDF-1.4\n")
    assert uploaded.too_large is False


def test_an_upload_over_the_limit_stops_being_written_but_is_read_to_the_end(settings):
    from resources.uploads import use_streaming_uploads

    settings.RESOURCES_MAX_UPLOAD_BYTES = 1024 * 1024
    request = _streamed_request(5 * 1024 * 1024)
    use_streaming_uploads(request)

    uploaded = request.FILES["files"]

    assert uploaded.too_large is True
    assert Path(uploaded.temporary_file_path()).stat().st_size == 0


# ------------------------------------------------------------------------------------------------ editing


def edit_data(resource: Resource, **overrides):
    data = {
        "title": resource.title,
        "summary": resource.summary,
        "body": resource.body,
        "resource_type": resource.resource_type,
        "languages": resource.languages or ["en"],
        "licence": resource.licence,
        "visibility": resource.visibility,
        "edit_version": resource.edit_version,
        "action": "save",
    }
    data.update(overrides)
    return data


def test_a_reviewer_and_the_uploader_editing_at_once_lose_no_update():
    # Given a submitted item, open in the uploader's and a reviewer's edit forms (both at edit_version 1)
    uploader_client, uploader = login("member")
    reviewer_client, _reviewer = login("content_reviewer")
    resource = ResourceFactory(created_by=uploader, status=Resource.Status.SUBMITTED, title="Original title")
    uploader_form = edit_data(resource, summary="Uploader's better summary")
    reviewer_form = edit_data(resource, title="Reviewer's clearer title")
    assert uploader_client.get(f"/resources/{resource.slug}/edit/").status_code == 200
    assert reviewer_client.get(f"/resources/{resource.slug}/edit/").status_code == 200

    # When the reviewer saves first
    response = reviewer_client.post(f"/resources/{resource.slug}/edit/", reviewer_form)
    assert response.status_code == 302

    # And the uploader then saves the stale form
    response = uploader_client.post(f"/resources/{resource.slug}/edit/", uploader_form)

    # Then the uploader sees a clear conflict error, and nothing was overwritten
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved changes" in page
    assert "Reviewer&#x27;s clearer title" in page  # what is saved now is shown
    resource.refresh_from_db()
    assert resource.title == "Reviewer's clearer title"
    assert resource.summary != "Uploader's better summary"
    assert resource.edit_version == 2

    # And saving again (now knowingly, against version 2) works and keeps the reviewer's title in the resubmitted form
    second = edit_data(resource, summary="Uploader's better summary")
    assert uploader_client.post(f"/resources/{resource.slug}/edit/", second).status_code == 302
    resource.refresh_from_db()
    assert resource.summary == "Uploader's better summary"
    assert resource.title == "Reviewer's clearer title"
    assert resource.edit_version == 3


def test_reviewer_edits_are_audited_and_uploader_edits_are_not():
    uploader_client, uploader = login("member")
    reviewer_client, reviewer = login("content_reviewer")
    resource = ResourceFactory(created_by=uploader, status=Resource.Status.SUBMITTED)

    reviewer_client.post(f"/resources/{resource.slug}/edit/", edit_data(resource, visibility="members"))
    resource.refresh_from_db()
    uploader_client.post(f"/resources/{resource.slug}/edit/", edit_data(resource, summary="New"))

    entries = AuditEntry.objects.filter(action="resource.edited")
    assert [entry.actor for entry in entries] == [reviewer]
    assert entries[0].changes == {"before": {"visibility": "public"}, "after": {"visibility": "members"}}


@pytest.mark.parametrize(
    ("role", "status", "expected"),
    [
        ("uploader", "published", 403),
        ("uploader", "rejected", 403),
        ("uploader", "changes_requested", 200),
        ("other_member", "submitted", 404),
        ("other_member", "published", 403),
        ("visitor", "submitted", 302),
        ("salga_staff", "submitted", 404),
        ("content_reviewer", "published", 200),
    ],
)
def test_who_may_open_the_edit_form(role, status, expected):
    uploader = make_user_with_role("member")
    resource = ResourceFactory(created_by=uploader, status=status)
    if role == "uploader":
        client = Client()
        client.force_login(uploader)
    elif role == "other_member":
        client, _user = login("member")
    else:
        client, _user = login(role)
    before = (resource.title, resource.edit_version)

    get = client.get(f"/resources/{resource.slug}/edit/")
    post = client.post(f"/resources/{resource.slug}/edit/", edit_data(resource, title="Hijacked"))

    assert get.status_code == expected
    if expected != 200:
        assert post.status_code == expected
        resource.refresh_from_db()
        assert (resource.title, resource.edit_version) == before


def test_the_uploader_makes_the_requested_changes_and_resubmits(django_capture_on_commit_callbacks):
    reviewer = make_user_with_role("content_reviewer")
    client, uploader = login("member")
    resource = ResourceFactory(created_by=uploader, status=Resource.Status.CHANGES_REQUESTED)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/resources/{resource.slug}/edit/",
            edit_data(resource, summary="Now with the 2025 tariffs", action="submit", note="Updated as asked"),
        )

    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.SUBMITTED
    assert resource.summary == "Now with the 2025 tariffs"
    event = resource.review_events.filter(kind=ReviewEvent.Kind.SUBMITTED).get()
    assert event.message == "Updated as asked"
    assert any(reviewer.email in message.to and "Resubmitted" in message.subject for message in mail.outbox)


# ------------------------------------------------------------------------------------------------ new versions


def test_a_new_version_keeps_the_old_one_and_the_latest_link_follows(django_capture_on_commit_callbacks):
    client, uploader = login("member")
    resource = make_published_resource_with_pdf("Version one text", created_by=uploader, status="submitted")
    slot = resource.files.get()
    first = slot.latest_version

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/resources/{resource.slug}/files/new/",
            {
                "target": str(slot.pk),
                "file": SimpleUploadedFile("v2.pdf", make_pdf_bytes("Version two text")),
                "change_note": "Updated for 2025/26",
            },
        )

    assert response.status_code == 302
    slot.refresh_from_db()
    second = slot.latest_version
    assert second.number == 2
    assert second.change_note == "Updated for 2025/26"
    assert list(slot.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    latest = client.get(f"/resources/files/{slot.pk}/latest/")
    assert b"".join(latest.streaming_content) == second.stored_file.open("rb").read()
    old = client.get(f"/resources/files/{slot.pk}/v1/")
    assert b"".join(old.streaming_content) == first.stored_file.open("rb").read()


def test_a_replacement_needs_a_change_note_and_an_extra_file_gets_its_own_slot():
    client, uploader = login("member")
    resource = make_published_resource_with_pdf("One", created_by=uploader, status="submitted")
    slot = resource.files.get()

    response = client.post(
        f"/resources/{resource.slug}/files/new/",
        {"target": str(slot.pk), "file": SimpleUploadedFile("v2.pdf", make_pdf_bytes("Two"))},
    )
    assert "Say briefly what changed" in response.content.decode()
    assert slot.versions.count() == 1

    response = client.post(
        f"/resources/{resource.slug}/files/new/",
        {"target": "new", "file": SimpleUploadedFile("template.docx", make_docx_bytes("Template")), "title": "Template"},
    )
    assert response.status_code == 302
    assert list(resource.files.values_list("title", flat=True)) == ["Guide (PDF)", "Template"]


def test_my_uploads_shows_what_the_reviewer_asked_for():
    client, uploader = login("member")
    resource = ResourceFactory(created_by=uploader, status=Resource.Status.CHANGES_REQUESTED, title="My tariff study")
    ReviewEvent.objects.create(resource=resource, kind=ReviewEvent.Kind.CHANGES_REQUESTED, message="Add the 2025 figures")
    ResourceFactory(title="Someone else's upload")

    page = client.get("/resources/mine/").content.decode()

    assert "My tariff study" in page
    assert "Add the 2025 figures" in page
    assert "Make changes and resubmit" in page
    assert "Someone else" not in page


# ------------------------------------------------------------------------------------------------ cover images


def png_bytes(size=(1200, 800)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 110, 70)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_cover_image_gets_a_thumbnail():
    from PIL import Image

    client, _member = login("member")

    client.post(
        NEW_URL, {**form_data(), "files": [pdf_upload()], "cover_image": SimpleUploadedFile("cover.png", png_bytes())}
    )

    resource = Resource.objects.get()
    assert resource.cover_image.name.startswith("covers/")
    assert "cover" not in resource.cover_image.name.removeprefix("covers/")  # a random name
    with Image.open(resource.cover_thumbnail.open("rb")) as thumbnail:
        assert max(thumbnail.size) == 480
        assert thumbnail.format == "JPEG"


def test_a_decompression_bomb_cover_is_refused_clearly(settings):
    settings.RESOURCES_MAX_IMAGE_PIXELS = 100_000
    client, _member = login("member")

    response = client.post(
        NEW_URL, {**form_data(), "files": [pdf_upload()], "cover_image": SimpleUploadedFile("cover.png", png_bytes())}
    )

    assert "too many pixels to be processed safely" in response.content.decode()
    assert_nothing_stored(settings)


def test_a_cover_that_is_not_an_image_is_refused(settings):
    client, _member = login("member")

    response = client.post(
        NEW_URL,
        {**form_data(), "files": [pdf_upload()], "cover_image": SimpleUploadedFile("cover.pdf", make_pdf_bytes())},
    )

    assert "must be a PNG or JPEG" in response.content.decode()
    assert_nothing_stored(settings)


def test_every_problem_with_every_file_is_reported_at_once(settings):
    existing = make_published_resource_with_pdf("Same bytes again", title="Existing guide", slug="existing-guide")
    content = existing.files.get().latest_version.stored_file.read()
    client, _member = login("member")

    response = client.post(
        NEW_URL,
        {
            **form_data(),
            "files": [
                SimpleUploadedFile("guide.pdf", b"<html><script>alert(1)</script></html>"),
                SimpleUploadedFile("copy.pdf", content),
                SimpleUploadedFile("again.pdf", content),
            ],
        },
    )

    page = response.content.decode()
    assert "guide.pdf contains web-page code" in page
    assert "copy.pdf is already here" in page
    assert "again.pdf was chosen twice" in page
    assert Resource.objects.count() == 1


def test_a_duplicate_of_the_uploaders_own_item_in_review_points_to_my_uploads():
    client, member = login("member")
    mine = make_published_resource_with_pdf("My own bytes", created_by=member, status="submitted", published_at=None)
    content = mine.files.get().latest_version.stored_file.read()

    page = client.post(NEW_URL, {**form_data(), "files": [SimpleUploadedFile("again.pdf", content)]}).content.decode()

    assert f'<a href="/resources/mine/">{mine.title}</a>' in page
