"""The resource centre on hub pages: site search, home-page sections, municipality sections, and "download my
data" / account deletion. Nothing a person may not see ever appears, in a list or a count."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from hub import registry
from hub.services.data_rights import delete_account, export_personal_data
from resources.models import Feedback, Resource, SavedResource, SavedSearch
from resources.services import collections as collection_services
from resources.services import library
from tests.factories import make_user_with_role, municipality, organisation_for
from tests.resources.factories import FileVersionFactory, ResourceFactory, ResourceFileFactory
from tests.resources.search_helpers import index

pytestmark = pytest.mark.django_db

STAFF_ROLES = {"salga_staff", "content_reviewer", "site_administrator"}
MEMBER_ROLES = STAFF_ROLES | {"member", "municipal_official", "newsletter_publisher"}


def _visible_titles(role: str) -> set[str]:
    titles = {"Public water toolkit"}
    if role in MEMBER_ROLES:
        titles.add("Members water brief")
    if role in STAFF_ROLES:
        titles.add("Internal water assessment")
    return titles


def _three_visibilities(**fields) -> list[Resource]:
    resources = [
        ResourceFactory(title="Public water toolkit", download_count=30, **fields),
        ResourceFactory(
            title="Members water brief", visibility=Resource.Visibility.MEMBERS, download_count=20, **fields
        ),
        ResourceFactory(
            title="Internal water assessment",
            visibility=Resource.Visibility.INTERNAL,
            download_count=50,
            **fields,
        ),
        ResourceFactory(title="Submitted water draft", status=Resource.Status.SUBMITTED, **fields),
    ]
    index(*resources)
    return resources


ALL_TITLES = {
    "Public water toolkit",
    "Members water brief",
    "Internal water assessment",
    "Submitted water draft",
}


def test_everything_is_registered():
    assert "resources" in {provider.key for provider in registry.search_providers()}
    assert {"resources.collections", "resources.latest"} <= {
        section.key for section in registry.home_sections()
    }
    assert {"resources.from_municipality", "resources.about_municipality"} <= {
        section.key for section in registry.municipality_sections()
    }
    assert "resource_centre" in {part.key for part in registry.data_rights_parts()}
    assert "resources" in {seeder.key for seeder in registry.demo_seeders()}


# --- Site search ------------------------------------------------------------------------------------------------------


def test_site_search_finds_only_visible_resources_and_counts_only_them(client_for_role, role):
    _three_visibilities()
    client, _ = client_for_role(role)

    response = client.get(reverse("hub:search"), {"q": "water"})

    html = response.content.decode()
    expected = _visible_titles(role)
    for title in ALL_TITLES:
        assert (title in html) == (title in expected), title
    assert f'Resources <span class="muted">({len(expected)})</span>' in html


def test_site_search_with_tsquery_syntax_never_fails(client):
    _three_visibilities()

    for query in ["water & | !", "'; DROP TABLE resources_resource; --", '"unclosed', "a:*", "x" * 500]:
        assert client.get(reverse("hub:search"), {"q": query}).status_code == 200


def test_site_search_group_links_to_the_full_search(client):
    _three_visibilities()

    group = next(provider for provider in registry.search_providers() if provider.key == "resources").search(
        user=make_user_with_role("member"), query="water", limit=1
    )

    assert group.total == 2
    assert len(group.results) == 1
    assert group.more_url == "/resources/?q=water"


# --- Home page --------------------------------------------------------------------------------------------------------


def test_home_sections_show_nothing_when_the_library_is_empty(client):
    html = client.get(reverse("hub:home")).content.decode()

    assert "From the resource centre" not in html
    assert "Featured collections" not in html


def test_home_shows_latest_and_most_downloaded_visible_resources_and_featured_collections(
    client_for_role, role
):
    resources = _three_visibilities()
    collection = collection_services.create_collection(
        title="Drought response", is_featured=True, acting_user=None
    )
    collection_services.add_collection_item(
        collection=collection, resource=resources[2], acting_user=None
    )  # internal
    client, _ = client_for_role(role)

    html = client.get(reverse("hub:home")).content.decode()

    assert "From the resource centre" in html
    for title in ALL_TITLES:
        assert (title in html) == (title in _visible_titles(role)), title
    # a featured collection whose only item is internal is not offered to people who cannot see that item
    assert ("Drought response" in html) == (role in STAFF_ROLES)


def test_most_downloaded_lists_in_order_of_downloads(client):
    ResourceFactory(title="Rarely used", download_count=1)
    ResourceFactory(title="Never downloaded", download_count=0)
    ResourceFactory(title="Popular guide", download_count=99)

    html = client.get(reverse("hub:home")).content.decode()
    popular = html[html.index("Most downloaded") :]

    assert popular.index("Popular guide") < popular.index("Rarely used")
    assert "Never downloaded" not in popular


def test_home_page_query_count_is_bounded(client, django_assert_max_num_queries):
    for number in range(12):
        ResourceFactory(title=f"Guide {number}", download_count=number)

    with django_assert_max_num_queries(14):
        assert client.get(reverse("hub:home")).status_code == 200


# --- Municipality pages ------------------------------------------------------------------------------------------------


def test_municipality_sections_show_visible_resources_from_and_about_it(client_for_role, role):
    cape_town = municipality("CPT")
    from_resources = _three_visibilities(organisation=organisation_for("CPT"))
    about = ResourceFactory(title="Study of Cape Town's drought", organisation=organisation_for("JHB"))
    about.municipalities.add(cape_town)
    internal_about = ResourceFactory(
        title="Internal note on Cape Town", visibility=Resource.Visibility.INTERNAL
    )
    internal_about.municipalities.add(cape_town)
    elsewhere = ResourceFactory(title="About Johannesburg only")
    elsewhere.municipalities.add(municipality("JHB"))
    client, _ = client_for_role(role)

    html = client.get(reverse("hub:municipality_detail", args=["CPT"])).content.decode()

    assert "Knowledge from this municipality" in html
    assert "About this municipality" in html
    for resource in from_resources:
        assert (resource.title in html) == (resource.title in _visible_titles(role)), resource.title
    assert "Study of Cape Town&#x27;s drought" in html
    assert ("Internal note on Cape Town" in html) == (role in STAFF_ROLES)
    assert "About Johannesburg only" not in html


def test_municipality_without_resources_shows_no_empty_sections(client):
    ResourceFactory(
        title="Internal only", organisation=organisation_for("CPT"), visibility=Resource.Visibility.INTERNAL
    )

    html = client.get(reverse("hub:municipality_detail", args=["CPT"])).content.decode()

    assert "Knowledge from this municipality" not in html
    assert "Internal only" not in html


def test_municipality_section_links_to_all_when_there_are_more(client):
    for number in range(7):
        resource = ResourceFactory(title=f"Cape Town study {number}")
        resource.municipalities.add(municipality("CPT"))

    html = client.get(reverse("hub:municipality_detail", args=["CPT"])).content.decode()

    assert "See all 7 resources" in html
    assert "/resources/?municipality=CPT" in html


# --- Download my data / delete my account ------------------------------------------------------------------------------


def _member_with_resource_data():
    member = make_user_with_role("member")
    upload = ResourceFactory(title="My uploaded toolkit", created_by=member, status=Resource.Status.SUBMITTED)
    version = FileVersionFactory(
        file=ResourceFileFactory(resource=upload), uploaded_by=member, original_name="toolkit.pdf"
    )
    saved = ResourceFactory(title="A guide I saved")
    library.save_resource(user=member, resource=saved)
    library.save_search(
        user=member, query_string="q=water&province=WC", name="Western Cape water", email_digest=True
    )
    Feedback.objects.create(resource=saved, user=member, is_useful=True, comment="Clear and practical")
    return member, upload, version


def test_download_my_data_includes_uploads_saved_items_searches_and_feedback():
    member, upload, version = _member_with_resource_data()
    other = make_user_with_role("member")
    library.save_resource(user=other, resource=ResourceFactory(title="Not mine"))

    data = export_personal_data(user=member)["resource_centre"]

    assert [item["title"] for item in data["uploads"]] == ["My uploaded toolkit"]
    assert data["uploads"][0]["status"] == "Submitted for review"
    assert data["uploaded_files"][0]["name"] == "toolkit.pdf"
    assert [item["title"] for item in data["saved_resources"]] == ["A guide I saved"]
    assert data["saved_searches"][0]["name"] == "Western Cape water"
    assert data["saved_searches"][0]["query_string"] == "province=WC&q=water"
    assert data["saved_searches"][0]["weekly_email"] is True
    assert data["feedback"] == [
        {
            "resource": "A guide I saved",
            "useful": True,
            "comment": "Clear and practical",
            "given_at": data["feedback"][0]["given_at"],
        }
    ]
    assert "Not mine" not in str(data)


def test_download_my_data_file_includes_the_resource_centre(client):
    member, _, _ = _member_with_resource_data()
    client.force_login(member)

    response = client.post(reverse("hub:data_download"))

    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["resource_centre"]["saved_resources"][0]["title"] == "A guide I saved"


def test_deleting_an_account_erases_library_and_feedback_but_keeps_uploads():
    member, upload, version = _member_with_resource_data()

    delete_account(user=member, acting_user=member)

    assert not SavedResource.objects.filter(user=member).exists()
    assert not SavedSearch.objects.filter(user=member).exists()
    assert not Feedback.objects.filter(user=member).exists()
    upload.refresh_from_db()
    version.refresh_from_db()
    assert upload.created_by_id == member.pk  # still attributed, now to "Former member"
    assert version.uploaded_by_id == member.pk
    member.refresh_from_db()
    assert member.is_former_member
