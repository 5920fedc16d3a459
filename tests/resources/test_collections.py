"""Collections: the list and detail pages (only what each person may see), and curating them (staff only, every
change audit-logged)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hub.models import AuditEntry
from resources.models import Collection, CollectionItem, Resource
from resources.services import collections as services
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

CURATOR_ROLES = {"salga_staff", "content_reviewer", "site_administrator"}


def _collection(*resources: Resource, **fields) -> Collection:
    fields.setdefault("title", "MFMA toolkit")
    fields.setdefault("introduction", "Start **here**.")
    collection = services.create_collection(acting_user=None, **fields)
    for resource in resources:
        services.add_collection_item(collection=collection, resource=resource, acting_user=None)
    return collection


def _mixed_resources() -> tuple[Resource, Resource, Resource, Resource]:
    public = ResourceFactory(title="Budget circular explained")
    members = ResourceFactory(title="Eskom debt relief brief", visibility=Resource.Visibility.MEMBERS)
    internal = ResourceFactory(title="Intervention assessment", visibility=Resource.Visibility.INTERNAL)
    draft = ResourceFactory(title="Unfinished draft", status=Resource.Status.SUBMITTED)
    return public, members, internal, draft


# --- Reading ---------------------------------------------------------------------------------------------------------


def test_collection_detail_shows_items_in_order_with_rendered_introduction(client):
    first = ResourceFactory(title="First guide")
    second = ResourceFactory(title="Second guide")
    collection = _collection(first, second, introduction="Start **here**.\n\n<script>alert(1)</script>")
    services.reorder_collection(collection=collection, resource_ids=[second.pk, first.pk], acting_user=None)

    response = client.get(collection.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>here</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert html.index("Second guide") < html.index("First guide")


def test_collection_pages_show_only_items_the_person_may_see(client_for_role, role):
    # Given a collection holding public, members-only, internal and unpublished resources
    public, members, internal, draft = _mixed_resources()
    collection = _collection(public, members, internal, draft, is_featured=True)
    client, user = client_for_role(role)

    # When the person opens the collection and the list
    detail = client.get(collection.get_absolute_url()).content.decode()
    listing = client.get(reverse("resources:collection_list")).content.decode()

    # Then they see exactly the items visible to them, and the count on the list says the same
    visible = set(Resource.objects.visible_to(user).values_list("title", flat=True))
    for resource in (public, members, internal, draft):
        assert (resource.title in detail) == (resource.title in visible)
    assert "Unfinished draft" not in detail
    expected = len(visible & {public.title, members.title, internal.title})
    assert f"{expected} resources" in listing or (expected == 1 and "1 resource" in listing)
    if role not in CURATOR_ROLES:
        assert "Intervention assessment" not in detail


def test_unpublished_collection_is_404_except_for_curators(client_for_role, role):
    collection = _collection(ResourceFactory(), is_published=False, title="Drought response")
    client, _ = client_for_role(role)

    detail = client.get(collection.get_absolute_url())
    listing = client.get(reverse("resources:collection_list")).content.decode()

    if role in CURATOR_ROLES:
        assert detail.status_code == 200
        assert "Drought response" in listing
    else:
        assert detail.status_code == 404
        assert "Drought response" not in listing


def test_unknown_collection_is_404(client):
    assert client.get(reverse("resources:collection_detail", args=["no-such-thing"])).status_code == 404


def test_collection_list_query_count_does_not_grow_with_collections(client, django_assert_max_num_queries):
    for number in range(8):
        _collection(ResourceFactory(), ResourceFactory(), title=f"Collection {number}")

    with django_assert_max_num_queries(6):
        response = client.get(reverse("resources:collection_list"))

    assert response.status_code == 200


# --- Curating through the pages --------------------------------------------------------------------------------------


def test_staff_create_a_collection_unpublished(client_for_role):
    client, user = client_for_role("salga_staff")

    response = client.post(reverse("resources:collection_list"), {"new-title": "  Drought   response "})

    collection = Collection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == collection.get_absolute_url()
    assert (collection.title, collection.slug, collection.is_published) == (
        "Drought response",
        "drought-response",
        False,
    )
    assert AuditEntry.objects.filter(action=services.COLLECTION_CREATED, actor=user).exists()


def test_staff_add_an_item_by_its_address_then_move_and_remove_it(client_for_role):
    client, user = client_for_role("content_reviewer")
    first, second = ResourceFactory(title="First"), ResourceFactory(title="Second")
    collection = _collection(first)
    url = collection.get_absolute_url()

    # add by full address
    response = client.post(
        url,
        {
            "action": "add",
            "item-resource": f"https://hub.example.org/resources/{second.slug}/",
            "item-note": "Read next",
        },
    )
    assert response.status_code == 302
    assert list(collection.items.values_list("resource_id", "note")) == [
        (first.pk, ""),
        (second.pk, "Read next"),
    ]

    # move the second one up
    client.post(url, {"action": "up", "resource": second.pk})
    assert list(collection.items.order_by("position").values_list("resource_id", flat=True)) == [
        second.pk,
        first.pk,
    ]

    # remove the first
    client.post(url, {"action": "remove", "resource": first.pk})
    assert list(collection.items.values_list("resource_id", flat=True)) == [second.pk]

    actions = set(AuditEntry.objects.filter(actor=user).values_list("action", flat=True))
    assert actions == {
        services.COLLECTION_ITEM_ADDED,
        services.COLLECTION_REORDERED,
        services.COLLECTION_ITEM_REMOVED,
    }


def test_adding_an_unknown_address_shows_an_error_and_adds_nothing(client_for_role):
    client, _ = client_for_role("salga_staff")
    collection = _collection()

    response = client.post(
        collection.get_absolute_url(), {"action": "add", "item-resource": "<script>x</script>"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "No published resource has that address" in html
    assert "<script>x</script>" not in html
    assert not collection.items.exists()


def test_staff_edit_title_introduction_and_flags(client_for_role):
    client, user = client_for_role("site_administrator")
    collection = _collection(is_published=False)

    response = client.post(
        collection.get_absolute_url(),
        {
            "action": "update",
            "collection-title": "Municipal finance toolkit",
            "collection-introduction": "For **Khâi-Ma** and Tshivenḓa speakers",
            "collection-is_featured": "on",
            "collection-is_published": "on",
        },
    )

    collection.refresh_from_db()
    assert response.status_code == 302
    assert collection.title == "Municipal finance toolkit"
    assert collection.slug == "mfma-toolkit"  # links already shared keep working
    assert collection.introduction_html == "<p>For <strong>Khâi-Ma</strong> and Tshivenḓa speakers</p>\n"
    assert collection.is_featured and collection.is_published
    entry = AuditEntry.objects.get(action=services.COLLECTION_UPDATED)
    assert entry.changes["before"]["title"] == "MFMA toolkit"


def test_deleting_needs_confirmation(client_for_role):
    client, _ = client_for_role("salga_staff")
    collection = _collection(ResourceFactory())

    client.post(collection.get_absolute_url(), {"action": "delete"})
    assert Collection.objects.filter(pk=collection.pk).exists()

    response = client.post(collection.get_absolute_url(), {"action": "delete", "confirm": "yes"})
    assert response.status_code == 302
    assert not Collection.objects.filter(pk=collection.pk).exists()
    assert Resource.objects.count() == 1  # the resource itself stays


@pytest.mark.parametrize(
    "role", ["visitor", "unverified", "member", "municipal_official", "newsletter_publisher"]
)
def test_non_curators_cannot_change_collections(client_for_role, role):
    client, _ = client_for_role(role)
    resource = ResourceFactory()
    collection = _collection(resource)
    before = (
        Collection.objects.values_list("title", "is_published").get(),
        list(CollectionItem.objects.values_list("pk", "position")),
    )

    responses = [
        client.post(reverse("resources:collection_list"), {"new-title": "Mine"}),
        client.post(
            collection.get_absolute_url(),
            {"action": "update", "collection-title": "Hacked", "collection-is_published": "on"},
        ),
        client.post(collection.get_absolute_url(), {"action": "remove", "resource": resource.pk}),
        client.post(collection.get_absolute_url(), {"action": "delete", "confirm": "yes"}),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    after = (
        Collection.objects.values_list("title", "is_published").get(),
        list(CollectionItem.objects.values_list("pk", "position")),
    )
    assert after == before
    assert not AuditEntry.objects.filter(action__startswith="collection.", actor__isnull=False).exists()


def test_curator_controls_are_not_shown_to_members(client_for_role):
    collection = _collection(ResourceFactory())
    member, _ = client_for_role("member")
    staff, _ = client_for_role("salga_staff")

    assert "Add a resource" not in member.get(collection.get_absolute_url()).content.decode()
    assert "Add a resource" in staff.get(collection.get_absolute_url()).content.decode()


# --- Services --------------------------------------------------------------------------------------------------------


def test_services_refuse_people_who_may_not_curate():
    member = make_user_with_role("member")
    collection = _collection()

    with pytest.raises(PermissionDenied):
        services.create_collection(title="x", acting_user=member)
    with pytest.raises(PermissionDenied):
        services.update_collection(collection=collection, acting_user=member, title="y")
    with pytest.raises(PermissionDenied):
        services.add_collection_item(collection=collection, resource=ResourceFactory(), acting_user=member)

    assert Collection.objects.get().title == "MFMA toolkit"
    assert not collection.items.exists()


def test_adding_twice_is_idempotent_and_slugs_are_unique():
    staff = make_user_with_role("salga_staff")
    resource = ResourceFactory()
    first = services.create_collection(title="Drought response", acting_user=staff)
    second = services.create_collection(title="Drought response", acting_user=staff)

    services.add_collection_item(collection=first, resource=resource, acting_user=staff)
    services.add_collection_item(collection=first, resource=resource, acting_user=staff, note="Updated note")

    assert (first.slug, second.slug) == ("drought-response", "drought-response-2")
    assert list(first.items.values_list("note", flat=True)) == ["Updated note"]
    assert AuditEntry.objects.filter(action=services.COLLECTION_ITEM_ADDED).count() == 1


def test_reorder_ignores_unknown_ids_and_keeps_unnamed_items_after():
    a, b, c = ResourceFactory(), ResourceFactory(), ResourceFactory()
    collection = _collection(a, b, c)

    services.reorder_collection(collection=collection, resource_ids=[c.pk, 999_999, c.pk], acting_user=None)

    assert list(collection.items.order_by("position").values_list("resource_id", flat=True)) == [
        c.pk,
        a.pk,
        b.pk,
    ]


def test_collection_detail_query_count_does_not_grow_with_items(client, django_assert_max_num_queries):
    collection = _collection(*[ResourceFactory(title=f"Guide {number}") for number in range(15)])

    with django_assert_max_num_queries(6):
        response = client.get(collection.get_absolute_url())

    assert response.content.decode().count("Guide ") >= 15


def test_collections_containing_lists_only_published_collections():
    from resources.selectors_lists import collections_containing

    resource = ResourceFactory()
    _collection(resource, title="Published one")
    _collection(resource, title="Hidden one", is_published=False)
    _collection(ResourceFactory(), title="Other")

    assert [collection.title for collection in collections_containing(resource=resource)] == ["Published one"]
