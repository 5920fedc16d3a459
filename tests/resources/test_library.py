"""My library: saving resources (idempotent, no JavaScript needed), saved searches, and the weekly email digest."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from resources.digest_tasks import send_saved_search_digests as digest_task
from resources.models import Resource, SavedResource, SavedSearch
from resources.services import library
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, TopicFactory
from tests.resources.search_helpers import index

pytestmark = pytest.mark.django_db

MEMBER_ROLES = [
    "member",
    "municipal_official",
    "salga_staff",
    "content_reviewer",
    "newsletter_publisher",
    "site_administrator",
]


def _save_url(resource: Resource) -> str:
    return reverse("resources:toggle_saved", kwargs={"slug": resource.slug})


# --- Access -----------------------------------------------------------------------------------------------------------


def test_visitor_is_sent_to_log_in_for_the_library(client):
    response = client.get(reverse("resources:my_library"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/resources/library/" in response["Location"]


def test_unverified_account_is_asked_to_verify(client_for_role):
    client, user = client_for_role("unverified")
    resource = ResourceFactory()

    assert client.get(reverse("resources:my_library")).status_code == 403
    assert client.post(_save_url(resource), {"action": "save"}).status_code == 403
    assert not SavedResource.objects.exists()


def test_visitor_saving_goes_to_log_in_then_back_to_the_resource_and_nothing_is_saved(client):
    resource = ResourceFactory()

    response = client.post(_save_url(resource), {"action": "save"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"next=/resources/{resource.slug}/" in response["Location"]
    assert not SavedResource.objects.exists()


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_members_can_open_their_library(client_for_role, role):
    client, _ = client_for_role(role)

    assert client.get(reverse("resources:my_library")).status_code == 200


# --- Saving resources --------------------------------------------------------------------------------------------------


def test_saving_is_idempotent_and_redirects_back_with_a_message(client_for_role):
    client, user = client_for_role("member")
    resource = ResourceFactory(title="Non-revenue water reduction toolkit")

    first = client.post(_save_url(resource), {"action": "save", "next": "/resources/?q=water"})
    second = client.post(_save_url(resource), {"action": "save"}, follow=True)

    assert first.status_code == 302 and first["Location"] == "/resources/?q=water"
    assert SavedResource.objects.filter(user=user, resource=resource).count() == 1
    assert "is saved in your library" in second.content.decode()


def test_remove_and_toggle(client_for_role):
    client, user = client_for_role("member")
    resource = ResourceFactory()

    client.post(_save_url(resource))  # no action: toggles on
    assert SavedResource.objects.filter(user=user).count() == 1
    client.post(_save_url(resource))  # toggles off
    assert not SavedResource.objects.filter(user=user).exists()
    client.post(_save_url(resource), {"action": "remove"})  # removing again is harmless
    assert not SavedResource.objects.filter(user=user).exists()


def test_next_to_another_site_is_ignored(client_for_role):
    client, _ = client_for_role("member")
    resource = ResourceFactory()

    response = client.post(_save_url(resource), {"action": "save", "next": "https://evil.example.com/"})

    assert response["Location"] == resource.get_absolute_url()


@pytest.mark.parametrize(
    "visibility,status",
    [
        (Resource.Visibility.INTERNAL, Resource.Status.PUBLISHED),
        (Resource.Visibility.PUBLIC, Resource.Status.SUBMITTED),
    ],
)
def test_resources_the_member_may_not_see_cannot_be_saved(client_for_role, visibility, status):
    client, _ = client_for_role("member")
    resource = ResourceFactory(visibility=visibility, status=status)

    response = client.post(_save_url(resource), {"action": "save"})

    assert response.status_code == 404
    assert not SavedResource.objects.exists()


def test_get_on_the_save_url_changes_nothing(client_for_role):
    client, _ = client_for_role("member")
    resource = ResourceFactory()

    response = client.get(_save_url(resource))

    assert response.status_code == 302
    assert response["Location"] == resource.get_absolute_url()
    assert not SavedResource.objects.exists()


def test_library_lists_saved_items_still_visible_and_counts_the_others(client_for_role):
    client, user = client_for_role("member")
    kept = ResourceFactory(title="Ward committee handbook")
    withdrawn = ResourceFactory(title="Withdrawn guide")
    library.save_resource(user=user, resource=kept)
    library.save_resource(user=user, resource=withdrawn)
    Resource.objects.filter(pk=withdrawn.pk).update(status=Resource.Status.ARCHIVED)

    html = client.get(reverse("resources:my_library")).content.decode()

    assert "Ward committee handbook" in html
    assert "Withdrawn guide" not in html
    assert "1 resource you saved is no longer available" in html


def test_a_withdrawn_item_can_still_be_removed(client_for_role):
    client, user = client_for_role("member")
    resource = ResourceFactory()
    library.save_resource(user=user, resource=resource)
    Resource.objects.filter(pk=resource.pk).update(visibility=Resource.Visibility.INTERNAL)

    response = client.post(_save_url(resource), {"action": "remove"})

    assert response.status_code == 302
    assert response["Location"] == reverse("resources:my_library")
    assert not SavedResource.objects.exists()


def test_library_shows_only_my_own_items(client_for_role):
    client, _ = client_for_role("member")
    other = make_user_with_role("member")
    library.save_resource(user=other, resource=ResourceFactory(title="Someone else's pick"))
    library.save_search(user=other, query_string="q=secret+plans", name="Their search")

    html = client.get(reverse("resources:my_library")).content.decode()

    assert "Someone else's pick" not in html
    assert "Their search" not in html


# --- Saved searches ----------------------------------------------------------------------------------------------------


def test_saving_a_search_from_the_search_page(client_for_role):
    client, user = client_for_role("member")

    form = client.get(reverse("resources:saved_search_create") + "?q=water+losses&type=toolkit&page=3")
    response = client.post(
        reverse("resources:saved_search_create"),
        {"query_string": "page=3&type=toolkit&q=water%20losses", "name": "", "email_digest": "on"},
    )

    assert form.status_code == 200
    assert "“water losses” (1 filter)" in form.content.decode()
    saved = SavedSearch.objects.get(user=user)
    assert saved.query_string == "q=water+losses&type=toolkit"
    assert saved.name == "“water losses” (1 filter)"
    assert saved.email_digest is True
    assert response.status_code == 302
    assert response["Location"] == "/resources/?q=water+losses&type=toolkit"


def test_saving_the_same_search_twice_keeps_one(client_for_role):
    client, user = client_for_role("member")
    url = reverse("resources:saved_search_create")

    client.post(url, {"query_string": "q=budget&province=WC", "name": "Budgets"})
    client.post(url, {"query_string": "province=WC&q=budget&page=2", "name": "Western Cape budgets"})

    assert list(SavedSearch.objects.filter(user=user).values_list("name", flat=True)) == [
        "Western Cape budgets"
    ]


def test_visitor_saving_a_search_is_sent_to_log_in_and_back_to_the_form(client):
    response = client.post(reverse("resources:saved_search_create"), {"query_string": "q=water"})

    assert response.status_code == 302
    assert "next=/resources/library/searches/%3Fq%3Dwater" in response["Location"]
    assert not SavedSearch.objects.exists()


def test_saved_search_name_with_hostile_input_is_escaped_and_capped(client_for_role):
    client, user = client_for_role("member")
    hostile = "<script>alert(1)</script> Khâi-Ma"

    client.post(
        reverse("resources:saved_search_create"), {"query_string": "q=" + "x" * 5000, "name": hostile}
    )

    saved = SavedSearch.objects.get(user=user)
    assert len(saved.query_string) <= 2000
    html = client.get(reverse("resources:my_library")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Khâi-Ma" in html


def test_over_long_name_shows_an_error_tied_to_the_field(client_for_role):
    client, _ = client_for_role("member")

    response = client.post(
        reverse("resources:saved_search_create"), {"query_string": "q=x", "name": "n" * 200}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_name"' in html
    assert 'aria-describedby="id_name-hint id_name-error"' in html or "id_name-error" in html
    assert not SavedSearch.objects.exists()


def test_edit_and_delete_a_saved_search(client_for_role):
    client, user = client_for_role("member")
    saved, _ = library.save_search(user=user, query_string="q=roads", name="Roads")
    url = reverse("resources:saved_search_edit", kwargs={"pk": saved.pk})

    client.post(url, {"name": "Gravel roads", "email_digest": "on"})
    saved.refresh_from_db()
    assert (saved.name, saved.email_digest) == ("Gravel roads", True)
    assert saved.last_sent_at is not None  # the digest starts from now, not from the day the search was saved

    client.post(url, {"delete": "1"})
    assert not SavedSearch.objects.exists()


def test_someone_elses_saved_search_is_404_and_unchanged(client_for_role):
    client, _ = client_for_role("member")
    owner = make_user_with_role("member")
    saved, _ = library.save_search(user=owner, query_string="q=roads", name="Roads")
    url = reverse("resources:saved_search_edit", kwargs={"pk": saved.pk})

    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Mine now"}).status_code == 404
    assert client.post(url, {"delete": "1"}).status_code == 404
    saved.refresh_from_db()
    assert saved.name == "Roads"


def test_normalise_query_string_drops_page_and_empty_values_and_sorts():
    assert library.normalise_query_string("?page=2&q=&type=guide&q=water&sort=newest&topic=a&type=guide") == (
        "q=water&topic=a&type=guide"
    )


# --- Weekly digest -----------------------------------------------------------------------------------------------------


def _published(days_ago: float, **fields) -> Resource:
    resource = ResourceFactory(**fields)
    Resource.objects.filter(pk=resource.pk).update(published_at=timezone.now() - timedelta(days=days_ago))
    index(resource)
    resource.refresh_from_db()
    return resource


def _digest_search(user, query_string: str, *, weeks_ago: int = 1) -> SavedSearch:
    saved, _ = library.save_search(user=user, query_string=query_string, name="Water", email_digest=True)
    SavedSearch.objects.filter(pk=saved.pk).update(created_at=timezone.now() - timedelta(weeks=weeks_ago))
    saved.refresh_from_db()
    return saved


def test_digest_sends_new_visible_matches_once_and_a_rerun_sends_nothing():
    # Given a member's saved search for "water" toolkits, saved a week ago
    member = make_user_with_role("member")
    saved = _digest_search(member, "q=water&type=toolkit")
    new_match = _published(2, title="Non-revenue water reduction toolkit", resource_type="toolkit")
    _published(2, title="Water guide", resource_type="guide")  # wrong type
    _published(20, title="Old water toolkit", resource_type="toolkit")  # before the search was saved
    _published(
        1, title="Internal water toolkit", resource_type="toolkit", visibility=Resource.Visibility.INTERNAL
    )
    _published(
        1, title="Members water toolkit", resource_type="toolkit", visibility=Resource.Visibility.MEMBERS
    )

    # When the digest runs
    run = library.send_saved_search_digests()

    # Then one email lists exactly the new matches the member may see
    assert (run.checked, run.sent) == (1, 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert "2 new resources" in message.subject
    assert "Non-revenue water reduction toolkit" in message.body
    assert "Members water toolkit" in message.body
    assert "Internal water toolkit" not in message.body
    assert "Old water toolkit" not in message.body
    assert "Water guide" not in message.body
    assert new_match.get_absolute_url() in message.body
    saved.refresh_from_db()
    assert saved.last_sent_at is not None

    # And a rerun (even with something new published meanwhile) sends nothing this week
    _published(0, title="Another water toolkit", resource_type="toolkit")
    assert library.send_saved_search_digests().sent == 0
    assert len(mail.outbox) == 1

    # A week later, only what is new since the last email is sent
    later = timezone.now() + timedelta(days=7)
    assert library.send_saved_search_digests(now=later).sent == 1
    assert "Another water toolkit" in mail.outbox[1].body
    assert "Non-revenue water reduction toolkit" not in mail.outbox[1].body


def test_no_email_without_new_matches_or_with_the_digest_off():
    member = make_user_with_role("member")
    _digest_search(member, "q=electricity")
    off, _ = library.save_search(user=member, query_string="q=water", name="Water", email_digest=False)
    _published(1, title="Water toolkit")

    run = library.send_saved_search_digests()

    assert run.sent == 0
    assert mail.outbox == []


def test_digest_for_a_former_member_is_not_sent():
    member = make_user_with_role("member")
    _digest_search(member, "q=water")
    _published(1, title="Water toolkit")
    member.is_former_member = True
    member.save()

    assert library.send_saved_search_digests().sent == 0
    assert mail.outbox == []


def test_digest_for_staff_includes_internal_matches():
    staff = make_user_with_role("salga_staff")
    _digest_search(staff, "q=intervention")
    _published(1, title="Intervention assessment", visibility=Resource.Visibility.INTERNAL)

    library.send_saved_search_digests()

    assert "Intervention assessment" in mail.outbox[0].body


def test_digest_applies_the_search_filters_and_drops_invalid_values():
    member = make_user_with_role("member")
    topic = TopicFactory(slug="non-revenue-water")
    saved = _digest_search(member, "topic=non-revenue-water&year=abc&visibility=internal")
    _published(1, title="Plain water guide")
    tagged = _published(1, title="Topic guide")
    tagged.topics.add(topic)
    hidden = _published(1, title="Internal topic guide", visibility=Resource.Visibility.INTERNAL)
    hidden.topics.add(topic)

    items, total = library.new_matches(saved_search=saved, since=saved.created_at)

    assert [resource.title for resource in items] == ["Topic guide"]
    assert total == 1


@pytest.mark.parametrize(
    "query", ["'; DROP TABLE x; -- & !!", '"unclosed (phrase', "a:* | b <-> c", "\\x00 \u0000"]
)
def test_digest_never_fails_on_search_syntax(query):
    member = make_user_with_role("member")
    saved = _digest_search(member, "q=" + query)
    _published(1, title="Plain water guide")

    items, total = library.new_matches(saved_search=saved, since=saved.created_at)

    assert total == len(items)


def test_management_command_and_task_send_digests():
    member = make_user_with_role("member")
    _digest_search(member, "q=water")
    _published(1, title="Water toolkit")
    out = StringIO()

    call_command("send_saved_search_digests", stdout=out)

    assert "digests sent: 1" in out.getvalue()
    assert len(mail.outbox) == 1
    # the task does the same work (nothing due now)
    assert digest_task.call() == {"checked": 0, "sent": 0}


def test_management_command_can_enqueue_the_task():
    out = StringIO()

    call_command("send_saved_search_digests", "--enqueue", stdout=out)

    assert "Queued the saved-search digest task" in out.getvalue()


def test_normalise_query_string_always_fits_and_stays_valid():
    many = "&".join(f"topic=topic-number-{n}" for n in range(300))
    result = library.normalise_query_string(f"q={'w' * 900}&{many}")

    assert len(result) <= library.QUERY_STRING_MAX_LENGTH
    assert result.startswith("q=" + "w" * 200 + "&topic=topic-number-0&")
    assert not result.endswith("-")  # whole parameters dropped, never cut


def test_library_page_query_count_does_not_grow_with_items(client_for_role, django_assert_max_num_queries):
    client, user = client_for_role("member")
    for number in range(15):
        library.save_resource(user=user, resource=ResourceFactory(title=f"Saved guide {number}"))
    for number in range(5):
        library.save_search(user=user, query_string=f"q=topic{number}", name=f"Search {number}")
    client.get(reverse("resources:my_library"))  # the session's first request records the session (allauth)

    # 9 are the same on every signed-in page (session, user, allauth's user-session tracking, roles); 4 are the
    # library's own, whatever the number of items. (The header's notification bell keeps its count in the session.)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("resources:my_library"))

    assert response.content.decode().count('<li class="result">') == 15
