"""/resources/<slug>/: who may see it (404 otherwise), what it shows (metadata, files with size and mobile data,
preview and download links, versions, citation, related resources, superseded banner), and cite.bib / cite.ris."""

from __future__ import annotations

import pytest
from django.urls import reverse

from resources.models import FileVersion, Resource, ResourceFile
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, TopicFactory
from tests.resources.search_helpers import index, resource_with_text

pytestmark = pytest.mark.django_db

ALL_ROLES = ["visitor", "unverified", "member", "municipal_official", "salga_staff", "content_reviewer",
             "newsletter_publisher", "site_administrator"]
CAN_SEE = {
    "public": set(ALL_ROLES),
    "members": {"member", "municipal_official", "salga_staff", "content_reviewer", "newsletter_publisher",
                "site_administrator"},
    "internal": {"salga_staff", "content_reviewer", "site_administrator"},
}


def detail_url(resource: Resource, name: str = "resources:resource_detail") -> str:
    return reverse(name, kwargs={"slug": resource.slug})


@pytest.mark.parametrize("visibility", ["public", "members", "internal"])
@pytest.mark.parametrize("role", ALL_ROLES)
def test_published_resource_is_shown_to_whoever_may_see_it_and_404_to_others(client_for_role, role, visibility):
    from hub.permissions import can_see_internal_content

    resource = ResourceFactory(title="Budget toolkit", visibility=visibility)
    client, user = client_for_role(role)
    expected = role in CAN_SEE[visibility]
    if visibility == "internal" and user is not None:
        expected = can_see_internal_content(user)
    for name in ["resources:resource_detail", "resources:cite_bibtex", "resources:cite_ris"]:
        response = client.get(detail_url(resource, name))
        assert response.status_code == (200 if expected else 404), (name, role)
        if not expected:
            assert b"Budget toolkit" not in response.content


@pytest.mark.parametrize("status", ["draft", "submitted", "changes_requested", "archived", "rejected"])
def test_unpublished_resource_is_seen_only_by_its_uploader_and_reviewers(client_for_role, client, status):
    uploader = make_user_with_role("member")
    resource = ResourceFactory(title="Pending guide", status=status, created_by=uploader)
    client.force_login(uploader)
    response = client.get(detail_url(resource))
    assert response.status_code == 200 and b"Not published" in response.content
    reviewer_client, _ = client_for_role("content_reviewer")
    assert reviewer_client.get(detail_url(resource)).status_code == 200
    for role in ["visitor", "member", "municipal_official", "salga_staff"]:
        other_client, _ = client_for_role(role)
        assert other_client.get(detail_url(resource)).status_code == 404, role


def test_unknown_slug_is_404(client):
    assert client.get("/resources/no-such-thing/").status_code == 404


def test_page_shows_metadata_body_and_files_with_size_mobile_data_preview_and_versions(client):
    from hub.models import Organisation, Province

    topic = TopicFactory(name="Water and Sanitation", slug="water-and-sanitation")
    resource = resource_with_text(
        "text", title="Drought toolkit", summary="How to plan for drought.", body_html="<p>Body <em>text</em></p>",
        topics=[topic], tags=["drought"], languages=["en", "ve"], publication_date="2024-02-03",
        organisation=Organisation.objects.get(municipality__code="CPT"), author_names="N. Dlamini, P. Smith",
        visibility="public",
    )
    resource.provinces.add(Province.objects.get(code="WC"))
    resource_file = resource.files.get()
    FileVersion.objects.filter(file=resource_file).update(size=2_400_000)
    newer = FileVersion.objects.create(
        file=resource_file, number=2, stored_file="resources/test/two.pdf", original_name="document.pdf",
        extension="pdf", content_type="application/pdf", size=2_400_000, sha256="1" * 64,
        change_note="Updated tariffs", extraction_status="done",
    )
    ResourceFile.objects.filter(pk=resource_file.pk).update(latest_version=newer)
    image = ResourceFile.objects.create(resource=resource, title="Data (CSV)", position=2)
    csv = FileVersion.objects.create(
        file=image, number=1, stored_file="resources/test/data.csv", original_name="data.csv", extension="csv",
        content_type="text/csv", size=800, sha256="2" * 64,
    )
    ResourceFile.objects.filter(pk=image.pk).update(latest_version=csv)

    html = client.get(detail_url(resource)).content.decode()
    assert "Drought toolkit" in html and "How to plan for drought." in html and "<em>text</em>" in html
    assert "Water and Sanitation" in html and "drought" in html and "Tshivenḓa" in html
    assert "3 February 2024" in html and "N. Dlamini, P. Smith" in html and "Western Cape" in html
    assert "2.4 MB" in html and "about 2.5 MB of mobile data" in html
    assert "less than 0.1 MB of mobile data" in html
    assert reverse("resources:file_latest", args=[resource_file.pk]) in html
    assert reverse("resources:file_preview", args=[resource_file.pk]) in html
    assert reverse("resources:file_preview", args=[image.pk]) not in html  # no preview for CSV
    assert "Updated tariffs" in html and reverse("resources:file_version", args=[resource_file.pk, 1]) in html
    assert reverse("resources:toggle_saved", args=[resource.slug]) in html
    assert "Save to my library" in html
    assert 'href="/resources/?topic=water-and-sanitation"' in html


def test_superseded_banner_links_the_replacement_only_if_visible(client):
    replacement = ResourceFactory(title="New MFMA guide")
    old = ResourceFactory(title="Old MFMA guide", superseded_by=replacement)
    html = client.get(detail_url(old)).content.decode()
    assert "This resource has been superseded." in html and replacement.get_absolute_url() in html
    Resource.objects.filter(pk=replacement.pk).update(visibility="internal")
    html = client.get(detail_url(old)).content.decode()
    assert "This resource has been superseded." in html and "New MFMA guide" not in html


def test_related_resources_share_topics_or_links_and_are_visible(client):
    topic = TopicFactory()
    resource = ResourceFactory(title="Main guide", topics=[topic])
    linked = ResourceFactory(title="Linked guide")
    resource.related.add(linked)
    ResourceFactory(title="Same topic guide", topics=[topic])
    ResourceFactory(title="Secret same topic", topics=[topic], visibility="internal")
    ResourceFactory(title="Draft same topic", topics=[topic], status="draft")
    ResourceFactory(title="Unrelated zebra")
    index()
    html = client.get(detail_url(resource)).content.decode()
    related = html.split("Related resources", 1)[1]
    assert "Linked guide" in related and "Same topic guide" in related
    assert related.index("Linked guide") < related.index("Same topic guide")
    assert "Secret same topic" not in html and "Draft same topic" not in html


def test_citation_text_bibtex_and_ris(client):
    resource = ResourceFactory(
        title="Water {tariffs} & 100% recovery\\", slug="water-tariffs", author_names="A. Author",
        publication_date="2022-07-01", resource_type="research_report",
    )
    html = client.get(detail_url(resource)).content.decode()
    assert "A. Author (2022). Water {tariffs} &amp; 100% recovery\\. Research report." in html

    bib = client.get(detail_url(resource, "resources:cite_bibtex"))
    assert bib["Content-Disposition"] == 'attachment; filename="water-tariffs.bib"'
    text = bib.content.decode()
    assert text.startswith("@techreport{watertariffs,")
    assert r"title = {{Water \{tariffs\} \& 100\% recovery\textbackslash{}}}" in text
    assert "author = {{A. Author}}" in text and "year = {2022}" in text

    ris = client.get(detail_url(resource, "resources:cite_ris")).content.decode()
    assert ris.startswith("TY  - RPRT\r\n") and "AU  - A. Author\r\n" in ris and ris.endswith("ER  - \r\n")


def test_a_title_with_line_breaks_cannot_add_ris_or_bibtex_fields(client):
    resource = ResourceFactory(title="Guide\r\nER  - \r\nTY  - EVIL", slug="evil")
    ris = client.get(detail_url(resource, "resources:cite_ris")).content.decode()
    assert ris.count("TY  - ") == 1 and ris.count("ER  - ") == 1
    bib = client.get(detail_url(resource, "resources:cite_bibtex")).content.decode()
    assert "\n}" in bib and bib.count("@") == 1


def test_script_in_the_description_never_reaches_the_page(client):
    from resources.markdown import render_markdown

    body = "Hello <script>alert(1)</script> [x](javascript:alert(1))"
    resource = ResourceFactory(body=body, body_html=render_markdown(body))
    html = client.get(detail_url(resource)).content.decode()
    assert "<script>alert(1)</script>" not in html and "href=\"javascript:" not in html


def test_translations_link_only_visible_ones(client):
    english = ResourceFactory(title="Guide in English")
    zulu = ResourceFactory(title="Umhlahlandlela", languages=["zu"])
    secret = ResourceFactory(title="Secret translation", visibility="internal")
    english.translations.add(zulu, secret)
    html = client.get(detail_url(english)).content.decode()
    assert "Umhlahlandlela" in html and "Secret translation" not in html
