"""The permission matrix of the contribution, review and file views, for every role, over a public, a members-only
and an internal published item and an item still in review (uploaded by someone else). Denied writes change
nothing; internal items are never downloadable by anyone outside SALGA staff, reviewers and administrators."""

from __future__ import annotations

import pytest
from django.test import Client

from resources import permissions
from resources.models import Resource
from tests.factories import ROLE_NAMES, make_user_with_role
from tests.resources.factories import ResourceFactory, make_published_resource_with_pdf

pytestmark = pytest.mark.django_db

ROLES = [*ROLE_NAMES, "unverified"]
STAFF = {"salga_staff", "content_reviewer", "site_administrator"}
REVIEWERS = {"content_reviewer", "site_administrator"}
MEMBERS = set(ROLE_NAMES) - {"visitor"}  # verified accounts (every role but visitor; "unverified" is not a member)


def may_see(role: str, item: str) -> bool:
    """Who may see each kind of item (and so download its files)."""
    return {
        "public": True,
        "members": role in MEMBERS,
        "internal": role in STAFF,
        "in_review": role in REVIEWERS,
    }[item]


@pytest.fixture
def items():
    uploader = make_user_with_role("member")
    return {
        "public": make_published_resource_with_pdf("public text", visibility="public", created_by=uploader),
        "members": make_published_resource_with_pdf("members text", visibility="members", created_by=uploader),
        "internal": make_published_resource_with_pdf("internal text", visibility="internal", created_by=uploader),
        "in_review": make_published_resource_with_pdf(
            "review text", status="submitted", published_at=None, created_by=uploader
        ),
    }


def client_for(role: str):
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    return client, user


@pytest.mark.parametrize("role", ROLES)
def test_pages_without_an_item(role):
    client, _user = client_for(role)
    expected_upload = 302 if role == "visitor" else 403 if role == "unverified" else 200
    expected_queue = 302 if role == "visitor" else 200 if role in REVIEWERS else 403
    expected_overdue = 302 if role == "visitor" else 200 if role in STAFF else 403

    assert client.get("/resources/new/").status_code == expected_upload
    assert client.get("/resources/mine/").status_code == expected_upload
    assert client.get("/resources/review/").status_code == expected_queue
    assert client.get("/resources/review/overdue/").status_code == expected_overdue


@pytest.mark.parametrize("role", ROLES)
def test_file_downloads_and_previews(role, items):
    client, _user = client_for(role)

    for item, resource in items.items():
        slot = resource.files.get()
        expected = 200 if may_see(role, item) else 404
        for url in (
            f"/resources/files/{slot.pk}/latest/",
            f"/resources/files/{slot.pk}/v1/",
            f"/resources/files/{slot.pk}/preview/",
        ):
            assert client.get(url).status_code == expected, (role, item, url)
        # The predicate says the same as the view
        user = _user
        assert permissions.can_download(user, slot) is may_see(role, item)


@pytest.mark.parametrize("role", ROLES)
def test_internal_files_never_reach_anyone_outside_staff(role, items):
    client, _user = client_for(role)
    slot = items["internal"].files.get()

    response = client.get(f"/resources/files/{slot.pk}/latest/")

    if role in STAFF:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert b"internal text" not in response.content
        slot.refresh_from_db()
        assert slot.download_count == 0


@pytest.mark.parametrize("role", ROLES)
def test_review_pages_and_decisions(role, items):
    client, _user = client_for(role)

    for item, resource in items.items():
        expected = 302 if role == "visitor" else 200 if role in REVIEWERS else 404
        assert client.get(f"/resources/review/{resource.slug}/").status_code == expected, (role, item)

    # A decision posted by anyone but a reviewer changes nothing
    resource = items["in_review"]
    response = client.post(
        f"/resources/review/{resource.slug}/",
        {"action": "decide", "decision": "reject", "message": "No", "edit_version": resource.edit_version},
    )
    resource.refresh_from_db()
    if role in REVIEWERS:
        assert resource.status == Resource.Status.REJECTED
    else:
        assert response.status_code in (302, 404)
        assert resource.status == Resource.Status.SUBMITTED


@pytest.mark.parametrize("role", ROLES)
def test_edit_and_new_version_pages_of_someone_elses_items(role, items):
    client, _user = client_for(role)

    for item, resource in items.items():
        if role == "visitor":
            expected = 302
        elif role in REVIEWERS:
            expected = 200
        elif may_see(role, item):
            expected = 403  # they know it exists, but it is not theirs
        else:
            expected = 404
        for url in (f"/resources/{resource.slug}/edit/", f"/resources/{resource.slug}/files/new/"):
            assert client.get(url).status_code == expected, (role, item, url)

        before = (resource.title, resource.edit_version, resource.files.get().versions.count())
        client.post(
            f"/resources/{resource.slug}/edit/",
            {"title": "Taken over", "summary": "x", "resource_type": "guide", "languages": ["en"],
             "licence": "cc-by-4.0", "visibility": "public", "edit_version": resource.edit_version},
        )
        resource.refresh_from_db()
        after = (resource.title, resource.edit_version, resource.files.get().versions.count())
        if role in REVIEWERS:
            assert resource.title == "Taken over"
        else:
            assert after == before, (role, item)


@pytest.mark.parametrize("role", ROLES)
def test_the_uploader_edits_only_while_the_item_is_not_decided(role):
    if role == "visitor":
        pytest.skip("a visitor uploads nothing")
    uploader = make_user_with_role(role)
    client = Client()
    client.force_login(uploader)
    for status, editable in [("draft", True), ("submitted", True), ("changes_requested", True),
                             ("published", False), ("rejected", False), ("archived", False)]:
        resource = ResourceFactory(created_by=uploader, status=status)
        may_edit = permissions.can_edit_resource(uploader, resource)
        response = client.get(f"/resources/{resource.slug}/edit/")
        if role == "unverified":
            assert not may_edit
            assert response.status_code in (403, 404)
        elif role in REVIEWERS:
            assert may_edit and response.status_code == 200
        else:
            assert may_edit is editable, (role, status)
            assert response.status_code == (200 if editable else 403), (role, status)


def test_the_predicates_for_publishing_and_reviewing():
    expected_review = {"content_reviewer", "site_administrator"}
    expected_direct = {"salga_staff", "content_reviewer", "site_administrator"}
    for role in ROLES:
        user = make_user_with_role(role)
        assert permissions.can_review(user) is (role in expected_review), role
        assert permissions.can_publish_directly(user) is (role in expected_direct), role
        assert permissions.can_upload(user) is (role in MEMBERS), role
