"""axe-core over the pages of the resource centre (issue 3), in Chromium: no violation of impact "serious" or
"critical" is allowed; lesser ones are printed. One test per page, person and width, so a failure names the page.

The machinery (axe injected into a CSP-bypassing context, the Case record, the report) is the one of
tests/e2e/test_accessibility.py. The pages are filled as they are in use: facets with counts, highlighted
snippets, a "did you mean", a resource with a cover, two versions of its file, translations, related items and a
superseded one, a review queue with a submission waiting, an overdue item, a collection with notes, a library
with saved items and a saved search.

With HUB_SCREENSHOT_DIR set (for example `HUB_SCREENSHOT_DIR=screenshots`), each page is also saved there at
phone and desktop width (resources-<case>-phone.png, -desktop.png), to look at."""

from __future__ import annotations

import io
import os
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.models import Province
from resources.models import Resource, ResourceFile
from resources.services.collections import add_collection_item, create_collection
from resources.services.files import add_file_version
from resources.services.library import save_resource, save_search
from resources.services.publishing import set_cover_image
from tests.e2e.conftest import DESKTOP, PHONE, shoot_both_widths, sign_in, submit_empty
from tests.e2e.test_accessibility import Case, assert_no_serious_violations
from tests.factories import make_user_with_role, organisation_for
from tests.resources.factories import (
    ResourceFactory,
    TopicFactory,
    make_docx_bytes,
    make_pdf_bytes,
    make_published_resource_with_pdf,
)
from tests.resources.search_helpers import index

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOOLKIT = "/resources/drought-response-toolkit/"
OLD_GUIDE = "/resources/non-revenue-water-guide-2019/"
QUEUE = "/resources/review/"
WAITING = "/resources/review/borehole-maintenance-checklist/"
COLLECTION = "/resources/collections/drought-response/"

CASES = [
    Case("visitor", "/resources/"),
    Case("visitor", "/resources/", phone=True),
    Case("visitor", "/resources/?q=drought"),
    Case("visitor", "/resources/?q=drought", phone=True),
    Case("visitor", "/resources/?q=%22night+flows%22&type=toolkit&province=WC"),
    Case("visitor", "/resources/?q=drougth+respnse"),  # nothing matches: "did you mean"
    Case("visitor", "/resources/?q=zzzqqq"),  # nothing matches, nothing to suggest
    Case("visitor", "/resources/?topic=water-and-sanitation"),  # a theme's page
    Case("visitor", "/resources/?topic=drought-response", phone=True),  # a sub-topic's page
    Case("visitor", "/resources/?sort=title&page=2"),
    Case("visitor", TOOLKIT),
    Case("visitor", TOOLKIT, phone=True),
    Case("visitor", OLD_GUIDE),  # superseded
    Case("visitor", "/resources/collections/"),
    Case("visitor", COLLECTION),
    Case("visitor", COLLECTION, phone=True),
    Case("visitor", "/resources/internal-drought-funding-briefing/", status=404),
    Case("member", TOOLKIT),
    Case("member", "/resources/new/"),
    Case("member", "/resources/new/", phone=True),
    Case("member", "/resources/new/", submit_empty=True),
    Case("member", "/resources/new/", submit_empty=True, phone=True),
    Case("member", "/resources/library/"),
    Case("member", "/resources/library/", phone=True),
    Case("member", "/resources/library/searches/?q=drought&province=WC"),
    Case("member", "/resources/mine/"),
    Case("member", "/resources/borehole-maintenance-checklist/"),  # their own, waiting for review
    Case("content_reviewer", QUEUE),
    Case("content_reviewer", QUEUE, phone=True),
    Case("content_reviewer", WAITING),
    Case("content_reviewer", WAITING, phone=True),
    Case("content_reviewer", WAITING, submit_empty=True),
    Case("content_reviewer", "/resources/review/overdue/"),
    Case("content_reviewer", TOOLKIT + "edit/"),
    Case("content_reviewer", TOOLKIT + "files/new/"),
    Case("salga_staff", "/resources/?q=drought"),  # with the visibility facet and an internal result
    Case("salga_staff", COLLECTION),  # as its curator
]


def cover_upload(title: str) -> SimpleUploadedFile:
    """A portrait cover: a coloured page with a band where a printed cover has its title."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 840), (0, 87, 58))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 520, 560, 700), fill=(255, 255, 255))
    draw.text((60, 560), title, fill=(11, 12, 12))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world() -> dict[str, Any]:
    """The resource centre in use; returns the people who look at it."""
    member = make_user_with_role("member", full_name="Lerato Dlamini", email="lerato@example.org")
    official = make_user_with_role("municipal_official", full_name="Andile Mabaso", email="andile@example.org")
    reviewer = make_user_with_role("content_reviewer", full_name="Pieter van der Merwe", email="pieter@example.org")
    staff = make_user_with_role("salga_staff", full_name="Nomsa Khumalo", email="nomsa@example.org")

    water = TopicFactory(name="Water and Sanitation", slug="water-and-sanitation", position=1)
    drought = TopicFactory(name="Drought response", slug="drought-response", parent=water, position=1)
    losses = TopicFactory(name="Non-revenue water", slug="non-revenue-water", parent=water, position=2)
    finance = TopicFactory(name="Municipal Finance (MFMA)", slug="municipal-finance-mfma", position=2)
    revenue = TopicFactory(name="Revenue management", slug="revenue-management", parent=finance, position=1)
    cape_town = organisation_for("CPT")

    toolkit = make_published_resource_with_pdf(
        "Drought response toolkit. Level 5 water restrictions, night flows in district metered areas, "
        "communicating with residents, tariffs during a drought.",
        file_title="Toolkit (PDF)",
        title="Drought response toolkit for small towns",
        slug="drought-response-toolkit",
        summary="Steps a small municipality can take before, during and after a drought.",
        body="## Who it is for\n\nWater services managers and **communications officers**.\n\n- Restrictions\n- Tariffs",
        body_html="<h2>Who it is for</h2><p>Water services managers and <strong>communications officers</strong>.</p>"
        "<ul><li>Restrictions</li><li>Tariffs</li></ul>",
        resource_type=Resource.ResourceType.TOOLKIT,
        topics=[drought, losses],
        tags=["drought", "water restrictions"],
        languages=["en", "af"],
        organisation=cape_town,
        author_names="Thandiwe Ndlovu",
        publication_date=date(2024, 5, 30),
        review_by=date.today() + timedelta(days=300),
        download_count=42,
        created_by=official,
    )
    toolkit.provinces.set(Province.objects.filter(code__in=["WC", "NC"]))
    toolkit.municipalities.set([cape_town.municipality])
    add_file_version(
        uploaded_file=ContentFile(make_docx_bytes("Drought communication plan template"), name="plan.docx"),
        acting_user=official, resource=toolkit, title="Communication plan (Word)",
    )
    first_file = ResourceFile.objects.filter(resource=toolkit).order_by("position", "id").first()
    add_file_version(
        uploaded_file=ContentFile(
            make_pdf_bytes("Drought response toolkit, second edition: night flows and tariffs."), name="toolkit-v2.pdf"
        ),
        acting_user=official, resource_file=first_file, change_note="Tariff section updated for 2025",
    )
    set_cover_image(resource=toolkit, image_file=cover_upload("Drought response toolkit"), acting_user=official)

    afrikaans = ResourceFactory(
        title="Droogte-reaksie gereedskapstel", slug="droogte-reaksie", summary="Die gereedskapstel in Afrikaans.",
        resource_type=Resource.ResourceType.TOOLKIT, topics=[drought], languages=["af"], created_by=official,
    )
    toolkit.translations.add(afrikaans)
    new_guide = make_published_resource_with_pdf(
        "Finding and fixing water losses: night flows, pressure management, meter replacement.",
        title="Non-revenue water guide (2024 edition)", slug="non-revenue-water-guide-2024",
        summary="Find and fix water losses.", resource_type=Resource.ResourceType.GUIDE, topics=[losses],
        created_by=official, organisation=cape_town,
    )
    make_published_resource_with_pdf(
        "Finding water losses in 2019.", title="Non-revenue water guide (2019)", slug="non-revenue-water-guide-2019",
        summary="The earlier edition.", resource_type=Resource.ResourceType.GUIDE, topics=[losses],
        superseded_by=new_guide, created_by=official,
    )
    make_published_resource_with_pdf(
        "Revenue enhancement in Khâi-Ma: indigent register, credit control.",
        title="Revenue enhancement case study: Khâi-Ma", slug="revenue-enhancement-khai-ma",
        summary="How a small municipality improved collections.", resource_type=Resource.ResourceType.CASE_STUDY,
        topics=[revenue], visibility=Resource.Visibility.MEMBERS, created_by=official,
    )
    make_published_resource_with_pdf(
        "Drought relief funding requests from provinces.", title="Internal briefing: drought funding",
        slug="internal-drought-funding-briefing", summary="For SALGA staff.",
        resource_type=Resource.ResourceType.POLICY_BRIEF, topics=[drought], visibility=Resource.Visibility.INTERNAL,
        created_by=staff,
    )
    make_published_resource_with_pdf(
        "Water restrictions by-law: levels, exemptions, offences.", title="Water restrictions by-law (model)",
        slug="water-restrictions-by-law", summary="A model by-law.", resource_type=Resource.ResourceType.TEMPLATE,
        topics=[drought], review_by=date.today() - timedelta(days=30), created_by=official,
    )
    # Enough more to need a second page when sorted by title.
    for number in range(20):
        ResourceFactory(
            title=f"Ward committee practice note {number + 1}", slug=f"ward-committee-note-{number + 1}",
            summary="Practical notes for ward committees.", resource_type=Resource.ResourceType.GUIDE,
            topics=[finance], created_by=official,
        )
    make_published_resource_with_pdf(
        "Borehole pump maintenance checklist.", title="Borehole maintenance checklist",
        slug="borehole-maintenance-checklist", summary="Monthly checks for borehole pumps.",
        resource_type=Resource.ResourceType.TEMPLATE, topics=[drought], status=Resource.Status.SUBMITTED,
        created_by=member,
    )

    collection = create_collection(
        title="Drought response", slug="drought-response", acting_user=staff, is_featured=True,
        introduction="What to read **before** the dams run low, chosen by SALGA's water team.",
    )
    add_collection_item(collection=collection, resource=toolkit, acting_user=staff, note="Start here.")
    add_collection_item(collection=collection, resource=new_guide, acting_user=staff)
    add_collection_item(collection=collection, resource=afrikaans, acting_user=staff, note="In Afrikaans.")
    create_collection(title="MFMA toolkit", slug="mfma-toolkit", acting_user=staff,
                      introduction="Budgeting and reporting under the MFMA.")

    save_resource(user=member, resource=toolkit)
    save_resource(user=member, resource=new_guide)
    save_search(user=member, query_string="q=drought&province=WC", email_digest=True)
    index()
    return {"member": member, "official": official, "content_reviewer": reviewer, "salga_staff": staff}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_resource_page_has_no_serious_accessibility_violations(case: Case, world, new_context, live_server,
                                                                screenshot_dir):
    # Given a browser for this person, at desktop or phone width
    context = new_context(bypass_csp=True, viewport=PHONE if case.phone else DESKTOP)
    if case.role != "visitor":
        sign_in(context, live_server, world[case.role])
    page = context.new_page()

    # When the page is opened (and, for an error state, its form submitted empty)
    response = page.goto(case.path)
    assert response is not None
    assert response.status == case.status, f"{case.path} answered {response.status}, expected {case.status}"
    if case.submit_empty:
        submit_empty(page, page.locator("main form[method=post]").first, case.id)

    # Then axe finds nothing serious or critical
    if os.environ.get("HUB_SCREENSHOT_DIR"):
        page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(image => image.loading = 'eager')")
        page.wait_for_load_state("networkidle")
        shoot_both_widths(page, screenshot_dir / f"resources-{re.sub(r'[^A-Za-z0-9.-]+', '_', case.id)}")
    assert_no_serious_violations(page, case.id, screenshot_dir)


def test_search_page_shows_what_a_phone_user_needs_without_sideways_scrolling(world, new_context):
    # Given a visitor on a phone
    page = new_context(viewport=PHONE).new_page()

    # When they search for a word inside the documents
    page.goto("/resources/?q=drought")

    # Then the results say why they matched, show their covers at their size, and nothing is wider than the screen
    assert page.locator(".result mark").count() > 0
    cover = page.locator("img.cover--small").first
    cover.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=cover.element_handle())
    box = cover.bounding_box()
    assert box is not None and 60 <= box["width"] <= 80 and box["height"] > box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # And no internal item shows to a visitor, not even as a count
    assert "Internal briefing" not in page.content()
