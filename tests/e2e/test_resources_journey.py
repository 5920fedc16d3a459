"""The resource-centre journey in a real browser (issue 3): an official uploads a PDF, a reviewer publishes it, another
official finds it by a phrase that appears only inside the PDF, sees the snippet, and downloads it."""

from __future__ import annotations

import pytest

from resources.models import FileVersion, Resource
from tests.e2e.conftest import sign_in
from tests.factories import make_user_with_role
from tests.resources.factories import make_pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHRASE = "pressure zone telemetry loggers"
PDF_TEXT = (
    "Non-revenue water in small towns. Installing pressure zone telemetry loggers at district metered areas cut "
    "night flows by a third within six months in the pilot wards."
)
TITLE = "Reducing night flows in small towns"


def test_official_uploads_reviewer_publishes_another_official_finds_it_inside_the_pdf(
    new_context, live_server, tmp_path, screenshot_dir
):
    # Given two verified officials and a content reviewer, and a PDF whose text layer holds a phrase used nowhere else
    uploader = make_user_with_role("municipal_official", full_name="Andile Mabaso", email="andile@example.org")
    reviewer = make_user_with_role("content_reviewer", full_name="Pieter van der Merwe", email="pieter@example.org")
    reader = make_user_with_role("municipal_official", full_name="Zanele Nkosi", email="zanele@example.org")
    pdf_path = tmp_path / "night-flows.pdf"
    pdf_path.write_bytes(make_pdf_bytes(PDF_TEXT))

    # When the official uploads it through the form
    upload_context = new_context()
    sign_in(upload_context, live_server, uploader)
    upload = upload_context.new_page()
    upload.goto("/resources/new/")
    upload.get_by_label("Title").fill(TITLE)
    upload.get_by_label("Summary").fill("How a pilot cut night flows with district metered areas.")
    upload.get_by_label("Type of resource").select_option("case_study")
    upload.get_by_label("Files").set_input_files(str(pdf_path))
    with upload.expect_navigation():
        upload.get_by_role("button", name="Send for review").click()
    assert upload.locator(".error-summary").count() == 0, upload.locator(".error-summary").inner_text()

    # Then it waits for review and nobody else can find it yet
    resource = Resource.objects.get(title=TITLE)
    assert resource.status == Resource.Status.SUBMITTED
    version = FileVersion.objects.get(file__resource=resource)
    assert version.extraction_status == FileVersion.Extraction.DONE, version.extraction_error
    assert not Resource.objects.visible_to(reader).filter(pk=resource.pk).exists()

    # When the reviewer publishes it from the review queue
    review_context = new_context()
    sign_in(review_context, live_server, reviewer)
    review = review_context.new_page()
    review.goto("/resources/review/")
    review.get_by_role("link", name=TITLE, exact=True).click()
    review.get_by_label("Publish it").check()
    with review.expect_navigation():
        review.get_by_role("button", name="Save decision").click()
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED

    # And another official searches for a phrase that is only inside the PDF
    read_context = new_context(accept_downloads=True)
    sign_in(read_context, live_server, reader)
    reader_page = read_context.new_page()
    reader_page.goto("/resources/")
    reader_page.get_by_role("searchbox", name="Search resources").fill(f'"{PHRASE}"')
    with reader_page.expect_navigation():
        reader_page.get_by_role("search", name="Search resources").get_by_role("button", name="Search").click()

    # Then the resource is found, with a snippet showing the phrase highlighted
    result = reader_page.locator(".result").filter(has_text=TITLE)
    assert result.count() == 1
    highlighted = " ".join(result.locator("mark").all_inner_texts()).lower()
    assert "telemetry" in highlighted and "loggers" in highlighted
    reader_page.screenshot(path=str(screenshot_dir / "journey-resource-search.png"), full_page=True)

    # And they open it and download the PDF, byte for byte what was uploaded
    result.get_by_role("link", name=TITLE, exact=True).click()
    with reader_page.expect_download() as download_info:
        reader_page.locator("main").get_by_role("link", name="Download").first.click()
    download = download_info.value
    assert download.suggested_filename == "night-flows.pdf"
    assert open(download.path(), "rb").read() == pdf_path.read_bytes()
    resource.refresh_from_db()
    assert resource.download_count == 1
