"""Cover images: stored with a thumbnail and a small copy, served through a permission-checked view (404 for anyone
who may not see the resource), cached according to the resource's visibility, shown on the detail page and beside
results."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hub.permissions import can_see_internal_content, is_member
from resources.models import Resource
from resources.services.publishing import set_cover_image
from tests.factories import ROLE_NAMES, make_user_with_role
from tests.resources.factories import ResourceFactory
from tests.resources.search_helpers import index

pytestmark = pytest.mark.django_db


def png_upload(size: tuple[int, int] = (1000, 1400)) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 87, 58)).save(buffer, format="PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


def with_cover(**fields) -> Resource:
    resource = ResourceFactory(**fields)
    set_cover_image(resource=resource, image_file=png_upload(), acting_user=resource.created_by)
    resource.refresh_from_db()
    return resource


def cover_url(resource: Resource, size: str = "small") -> str:
    return reverse("resources:cover_image", kwargs={"slug": resource.slug, "size": size})


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_a_cover_is_stored_with_a_thumbnail_and_a_small_copy_and_their_sizes():
    from PIL import Image

    resource = with_cover()

    # A portrait 1000x1400 cover fits 480x480 and 160x160 with its shape kept
    assert (resource.cover_thumbnail_width, resource.cover_thumbnail_height) == (343, 480)
    assert (resource.cover_small_width, resource.cover_small_height) == (114, 160)
    for field, size in (("cover_thumbnail", (343, 480)), ("cover_small", (114, 160))):
        with Image.open(getattr(resource, field).open("rb")) as image:
            assert image.format == "JPEG"
            assert image.size == size
    assert resource.cover_small.name.startswith("covers/small/")


def test_a_public_cover_is_served_for_caching_with_its_type_and_version():
    resource = with_cover()

    response = Client().get(cover_url(resource))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["ETag"] == f'"{resource.cover_small.name}"'
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"  # JPEG bytes
    full = Client().get(cover_url(resource, "full"))
    assert full["Content-Type"] == "image/png"
    assert b"".join(full.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_unchanged_cover_answers_not_modified():
    resource = with_cover()
    etag = Client().get(cover_url(resource))["ETag"]

    response = Client().get(cover_url(resource), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["Cache-Control"] == "public, max-age=86400"


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_an_internal_cover_is_served_to_staff_only_and_never_cached_for_others(role):
    # Given an internal resource with a cover
    resource = with_cover(visibility=Resource.Visibility.INTERNAL)
    user = make_user_with_role(role)

    # When someone asks for each size of it
    responses = [client_for(user).get(cover_url(resource, size)) for size in ("full", "thumbnail", "small")]

    # Then only people who may see internal items get it, privately; everyone else cannot tell it exists
    if can_see_internal_content(user):
        assert [response.status_code for response in responses] == [200, 200, 200]
        assert all(response["Cache-Control"] == "private, no-cache" for response in responses)
    else:
        assert [response.status_code for response in responses] == [404, 404, 404]
        assert all("image" not in response.get("Content-Type", "") for response in responses)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_a_members_cover_is_served_to_members_privately(role):
    resource = with_cover(visibility=Resource.Visibility.MEMBERS)
    user = make_user_with_role(role)

    response = client_for(user).get(cover_url(resource))

    if is_member(user):
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-cache"
    else:
        assert response.status_code == 404


def test_an_unpublished_cover_is_seen_by_its_uploader_and_reviewers_only():
    uploader = make_user_with_role("member")
    resource = with_cover(status=Resource.Status.SUBMITTED, created_by=uploader)

    assert client_for(uploader).get(cover_url(resource)).status_code == 200
    assert client_for(make_user_with_role("content_reviewer")).get(cover_url(resource)).status_code == 200
    assert client_for(make_user_with_role("member")).get(cover_url(resource)).status_code == 404
    assert Client().get(cover_url(resource)).status_code == 404


def test_unknown_sizes_and_resources_without_a_cover_answer_404():
    resource = with_cover()
    bare = ResourceFactory()

    assert Client().get(cover_url(resource).replace("/small/", "/huge/")).status_code == 404
    assert Client().get(cover_url(bare)).status_code == 404
    assert Client().get(cover_url(bare, "full")).status_code == 404


def test_the_detail_page_shows_the_thumbnail_with_alt_text_and_size():
    resource = with_cover(title="Drought response toolkit")

    html = Client().get(resource.get_absolute_url()).content.decode()

    version = resource.cover_thumbnail.name.rsplit("/", 1)[-1].split(".")[0][:16]
    assert (
        f'<img class="cover cover--thumbnail" src="{cover_url(resource, "thumbnail")}?v={version}" '
        'alt="Cover of “Drought response toolkit”" width="343" height="480" decoding="async">'
    ) in html
    assert f'href="{cover_url(resource, "full")}"' in html


def test_search_results_show_a_small_lazy_cover_beside_the_title():
    resource = with_cover(title="Drought response toolkit")
    ResourceFactory(title="Drought plan without a cover")
    index()

    html = Client().get(reverse("resources:resource_list"), {"q": "drought"}).content.decode()

    assert html.count('class="cover cover--small"') == 1
    assert (
        f'src="{cover_url(resource)}?v=' in html
        and 'alt="" width="114" height="160" loading="lazy" decoding="async">' in html
    )
    assert 'class="result result--with-cover"' in html


def test_an_internal_resource_cover_never_appears_in_a_visitors_search():
    with_cover(title="Drought internal memo", visibility=Resource.Visibility.INTERNAL)
    index()

    html = Client().get(reverse("resources:resource_list"), {"q": "drought"}).content.decode()

    assert "cover--small" not in html
    assert "internal memo" not in html


def test_a_reviewer_sees_the_cover_of_a_submitted_resource_before_publishing_it():
    resource = with_cover(title="Borehole checklist", status=Resource.Status.SUBMITTED)

    html = client_for(make_user_with_role("content_reviewer")).get(
        reverse("resources:review_detail", kwargs={"slug": resource.slug})
    ).content.decode()

    assert f'src="{cover_url(resource, "thumbnail")}?v=' in html
    assert 'alt="Cover of “Borehole checklist”"' in html


def test_my_library_shows_the_small_cover_of_a_saved_resource():
    from resources.services.library import save_resource

    member = make_user_with_role("member")
    save_resource(user=member, resource=with_cover(title="Drought response toolkit"))

    html = client_for(member).get(reverse("resources:my_library")).content.decode()

    assert 'class="cover cover--small"' in html and 'loading="lazy"' in html


# ------------------------------------------------------------------------------------------------ replace / remove


def _edit(client: Client, resource: Resource, **extra):
    from tests.resources.test_upload import edit_data

    resource.refresh_from_db()
    return client.post(reverse("resources:resource_edit", kwargs={"slug": resource.slug}), edit_data(resource, **extra))


def _stored(resource: Resource) -> list[str]:
    return [getattr(resource, field).name for field in ("cover_image", "cover_thumbnail", "cover_small")]


def test_the_uploader_replaces_the_cover_and_the_old_files_are_deleted(django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    # Given a draft with a cover, and its uploader on the edit page, which shows the current cover
    resource = with_cover(status=Resource.Status.DRAFT)
    old = _stored(resource)
    client = client_for(resource.created_by)
    page = client.get(reverse("resources:resource_edit", kwargs={"slug": resource.slug})).content.decode()
    assert "Replace the cover image" in page and "Remove the cover image" in page and cover_url(resource) in page
    # When they upload a new landscape picture
    with django_capture_on_commit_callbacks(execute=True):
        response = _edit(client, resource, cover_image=png_upload((1600, 900)))
    # Then the resource has the new cover in its three sizes, and the old files are gone from storage
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.cover_small_width, resource.cover_small_height) == (160, 90)
    assert not set(_stored(resource)) & set(old)
    assert all(default_storage.exists(name) for name in _stored(resource))
    assert not any(default_storage.exists(name) for name in old)


def test_the_cover_can_be_removed_and_is_no_longer_served(django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    resource = with_cover(status=Resource.Status.DRAFT)
    old = _stored(resource)
    client = client_for(resource.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        assert _edit(client, resource, remove_cover="on").status_code == 302
    resource.refresh_from_db()
    assert not resource.cover_image and not resource.cover_thumbnail and not resource.cover_small
    assert resource.cover_small_width is None
    assert not any(default_storage.exists(name) for name in old)
    assert client.get(cover_url(resource)).status_code == 404
    page = client.get(reverse("resources:resource_edit", kwargs={"slug": resource.slug})).content.decode()
    assert "has no cover image yet" in page and "Remove the cover image" not in page


def test_a_bad_replacement_changes_nothing_and_says_why():
    resource = with_cover(status=Resource.Status.DRAFT, title="Water guide")
    old = _stored(resource)
    client = client_for(resource.created_by)
    # not an image at all, an image with too many pixels, and both "replace" and "remove" at once
    not_image = SimpleUploadedFile("cover.png", b"%PDF-1.4 not a picture", content_type="image/png")
    for extra, message in (
        ({"cover_image": not_image, "title": "Changed"}, "PNG or JPEG"),
        ({"cover_image": png_upload(), "remove_cover": "on", "title": "Changed"}, "not both"),
    ):
        response = _edit(client, resource, **extra)
        assert response.status_code == 200 and message in response.content.decode()
        resource.refresh_from_db()
        assert resource.title == "Water guide" and _stored(resource) == old


def test_an_image_too_large_to_process_is_refused_and_nothing_changes(settings):
    resource = with_cover(status=Resource.Status.DRAFT, title="Water guide")
    settings.RESOURCES_MAX_IMAGE_PIXELS = 1000 * 1000
    version, old = resource.edit_version, _stored(resource)
    response = _edit(client_for(resource.created_by), resource, cover_image=png_upload((2000, 2000)), title="Changed")
    assert response.status_code == 200 and "too many pixels" in response.content.decode()
    resource.refresh_from_db()
    assert resource.title == "Water guide" and resource.edit_version == version and _stored(resource) == old
