"""Moderation: flags, the coordinators' queue (hide, restore, approve, warn, remove member), pin/lock/move, and
coordinators of one network having no powers in another (denied, nothing changed)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from hub.models import AuditEntry
from networks.models import Flag, ForumTopic, Membership, Notification, Post
from networks.services import forum
from tests.factories import make_user_with_role
from tests.networks.forum_fixtures import coordinator, join, make_network, member

pytestmark = pytest.mark.django_db


def _thread(network):
    asker, replier = member(network), member(network)
    topic = forum.create_topic(network=network, author=asker, title="Ward committee stipends", body="How much?")
    reply = forum.create_reply(topic=topic, author=replier, body="Buy cheap pills here")
    return topic, reply


def test_member_flags_a_post_once_and_it_appears_in_the_queue(client):
    network = make_network()
    topic, reply = _thread(network)
    reporter, coord = member(network), coordinator(network)
    client.force_login(reporter)
    url = reverse("networks:post_flag", kwargs={"slug": network.slug, "post_id": reply.pk})
    assert client.post(url, {"reason": "spam", "details": "<script>x</script>"}).status_code == 302
    again = client.post(url, {"reason": "spam"})
    assert again.status_code == 400 and "already reported" in again.content.decode()
    assert client.post(url, {"reason": "not-a-reason"}).status_code == 400
    assert Flag.objects.count() == 1
    client.force_login(coord)
    html = client.get(reverse("networks:moderation_queue", kwargs={"slug": network.slug})).content.decode()
    assert "Spam or advertising" in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_a_member_cannot_report_their_own_post(client):
    network = make_network()
    topic, reply = _thread(network)
    client.force_login(reply.author)
    url = reverse("networks:post_flag", kwargs={"slug": network.slug, "post_id": reply.pk})
    response = client.post(url, {"reason": "spam"})
    assert response.status_code == 400 and "cannot report your own post" in response.content.decode()
    assert not Flag.objects.exists()


def test_queue_is_not_for_members_or_coordinators_of_another_network(client):
    network, other = make_network(), make_network()
    _thread(network)
    url = reverse("networks:moderation_queue", kwargs={"slug": network.slug})
    for user in (member(network), coordinator(other)):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(make_user_with_role("site_administrator"))
    assert client.get(url).status_code == 200


def test_coordinator_of_another_network_cannot_moderate_and_nothing_changes(client):
    network, other = make_network(), make_network()
    topic, reply = _thread(network)
    outsider_coord = coordinator(other)
    join(network, outsider_coord)  # even as an ordinary member of network A
    client.force_login(outsider_coord)
    slug = network.slug
    for action in ("hide", "warn", "remove_member"):
        response = client.post(reverse("networks:post_moderate", kwargs={"slug": slug, "post_id": reply.pk}), {"action": action})
        assert response.status_code == 404
    for action in ("pin", "lock"):
        assert client.post(reverse("networks:topic_manage", kwargs={"slug": slug, "pk": topic.pk}), {"action": action}).status_code == 403
    assert client.post(reverse("networks:topic_manage", kwargs={"slug": slug, "pk": topic.pk}),
                       {"action": "move", "target": other.pk}).status_code == 403
    reply.refresh_from_db()
    topic.refresh_from_db()
    assert reply.moderation == Post.Moderation.VISIBLE
    assert not topic.is_pinned and not topic.is_locked and topic.network == network
    assert Membership.objects.get(network=network, user=reply.author).status == Membership.Status.ACTIVE
    assert not Notification.objects.exists() and not AuditEntry.objects.filter(action__startswith="networks.").exists()


def test_hide_then_restore_a_flagged_post(client):
    network = make_network()
    topic, reply = _thread(network)
    coord = coordinator(network)
    forum_flag = Flag.objects.create(post=reply, reporter=topic.author, reason=Flag.Reason.SPAM)
    client.force_login(coord)
    url = reverse("networks:post_moderate", kwargs={"slug": network.slug, "post_id": reply.pk})
    assert client.post(url, {"action": "hide"}).status_code == 302
    forum_flag.refresh_from_db()
    assert Post.objects.get(pk=reply.pk).moderation == Post.Moderation.HIDDEN and forum_flag.status == Flag.Status.ACTIONED
    assert ForumTopic.objects.get(pk=topic.pk).reply_count == 0
    client.force_login(topic.author)
    assert "Buy cheap pills" not in client.get(topic.get_absolute_url()).content.decode()
    client.force_login(coord)
    assert client.post(url, {"action": "restore"}).status_code == 302
    assert Post.objects.get(pk=reply.pk).moderation == Post.Moderation.VISIBLE
    assert ForumTopic.objects.get(pk=topic.pk).reply_count == 1
    assert AuditEntry.objects.filter(action="networks.post_hidden").exists()


def test_warn_sends_notification_and_email(client, django_capture_on_commit_callbacks):
    network = make_network()
    topic, reply = _thread(network)
    client.force_login(coordinator(network))
    url = reverse("networks:post_moderate", kwargs={"slug": network.slug, "post_id": reply.pk})
    with django_capture_on_commit_callbacks(execute=True):
        with_commit = client.post(url, {"action": "warn", "note": "No advertising, please."})
    assert with_commit.status_code == 302
    notification = Notification.objects.get(user=reply.author)
    assert notification.kind == Notification.Kind.MODERATION and "No advertising" in notification.text
    assert [m.to for m in mail.outbox] == [[reply.author.email]]


def test_remove_member_from_the_queue_uses_the_membership_service(client):
    network = make_network()
    topic, reply = _thread(network)
    client.force_login(coordinator(network))
    url = reverse("networks:post_moderate", kwargs={"slug": network.slug, "post_id": reply.pk})
    assert client.post(url, {"action": "remove_member", "note": "Spam"}).status_code == 302
    assert Membership.objects.get(network=network, user=reply.author).status == Membership.Status.REMOVED
    with pytest.raises(forum.ForumError):
        forum.create_reply(topic=topic, author=Post.objects.get(pk=reply.pk).author, body="Back again")


def test_premoderated_post_is_approved_from_the_queue(client):
    network = make_network(premoderate_first_posts=1)
    newcomer = join(network)
    Membership.objects.filter(pk=newcomer.pk).update(approved_post_count=0)
    topic = forum.create_topic(network=network, author=member(network), title="Budget", body="Question")
    pending = forum.create_reply(topic=topic, author=newcomer.user, body="First reply, waiting")
    coord = coordinator(network)
    client.force_login(coord)
    assert "First reply, waiting" in client.get(reverse("networks:moderation_queue", kwargs={"slug": network.slug})).content.decode()
    url = reverse("networks:post_moderate", kwargs={"slug": network.slug, "post_id": pending.pk})
    assert client.post(url, {"action": "approve"}).status_code == 302
    assert Post.objects.get(pk=pending.pk).moderation == Post.Moderation.VISIBLE
    assert Membership.objects.get(pk=newcomer.pk).approved_post_count == 1
    assert ForumTopic.objects.get(pk=topic.pk).reply_count == 1
    later = forum.create_reply(topic=topic, author=newcomer.user, body="Now trusted")
    assert later.moderation == Post.Moderation.VISIBLE


def test_coordinator_pins_locks_and_moves_only_between_own_networks(client):
    network, second, foreign = make_network(), make_network(), make_network()
    topic, _ = _thread(network)
    coord = coordinator(network)
    join(second, coord, role=Membership.Role.COORDINATOR)
    client.force_login(coord)
    url = reverse("networks:topic_manage", kwargs={"slug": network.slug, "pk": topic.pk})
    client.post(url, {"action": "pin"})
    client.post(url, {"action": "lock"})
    topic.refresh_from_db()
    assert topic.is_pinned and topic.is_locked
    assert client.post(url, {"action": "move", "target": foreign.pk}).status_code == 403
    assert ForumTopic.objects.get(pk=topic.pk).network == network
    assert client.post(url, {"action": "move", "target": second.pk}).status_code == 302
    assert ForumTopic.objects.get(pk=topic.pk).network == second
    assert AuditEntry.objects.filter(action="networks.topic_moved").exists()


def test_coordinator_can_delete_any_post_and_it_is_audited(client):
    network = make_network()
    topic, reply = _thread(network)
    client.force_login(coordinator(network))
    assert client.post(reverse("networks:post_delete", kwargs={"slug": network.slug, "post_id": reply.pk})).status_code == 302
    assert Post.objects.get(pk=reply.pk).is_deleted
    assert AuditEntry.objects.filter(action="networks.post_deleted").exists()


def test_a_topic_waiting_for_a_coordinator_is_not_on_the_network_page_of_others(client):
    """Given a newcomer's first topic held for premoderation, the network page's latest discussions show it to its
    author and the coordinator only, as the forum list does."""
    network = make_network(premoderate_first_posts=1)
    newcomer = join(network)
    Membership.objects.filter(pk=newcomer.pk).update(approved_post_count=0)
    forum.create_topic(network=network, author=newcomer.user, title="Held back topic", body="Waiting")
    url = reverse("networks:network_detail", kwargs={"slug": network.slug})
    client.force_login(member(network))
    assert "Held back topic" not in client.get(url).content.decode()
    client.logout()
    assert "Held back topic" not in client.get(url).content.decode()
    client.force_login(newcomer.user)
    assert "Held back topic" in client.get(url).content.decode()
    client.force_login(coordinator(network))
    assert "Held back topic" in client.get(url).content.decode()
