"""Notification fan-out, the bell, the notifications page, settings, watching topics and unsubscribe links."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from networks.models import EmailFrequency, Membership, Network, Notification, NotificationPreference
from networks.services import notifications as service
from networks.services.notifications import notify_post
from tests.factories import UserFactory
from tests.networks.factories import NetworkFactory, make_member
from tests.networks.notify_helpers import make_reply, make_topic

pytestmark = pytest.mark.django_db


def test_new_topic_notifies_active_members_but_not_author_or_former_members():
    network = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    author = make_member(network)
    member = make_member(network)
    former = make_member(network, status=Membership.Status.LEFT)
    pending = make_member(network, status=Membership.Status.PENDING)
    stranger = UserFactory()
    topic, opener = make_topic(network, author)
    # when the fan-out runs
    made = notify_post(post_id=opener.pk)
    # then only the active member is told
    assert made == 1
    assert list(Notification.objects.values_list("user_id", "kind")) == [(member.pk, Notification.Kind.NEW_TOPIC)]
    for user in (author, former, pending, stranger):
        assert not Notification.objects.filter(user=user).exists()


def test_rerun_of_the_task_creates_nothing_twice():
    network = NetworkFactory()
    author = make_member(network)
    make_member(network)
    topic, opener = make_topic(network, author)
    assert notify_post(post_id=opener.pk) == 1
    assert notify_post(post_id=opener.pk) == 0
    assert Notification.objects.count() == 1


def test_reply_notifies_watchers_and_each_post_subscribers_only():
    network = NetworkFactory()
    author = make_member(network)
    replier = make_member(network)
    bystander = make_member(network)  # default preference (daily), not watching
    each = make_member(network)
    service.set_network_frequency(user=each, network=network, frequency=EmailFrequency.EACH_POST)
    topic, opener = make_topic(network, author)
    notify_post(post_id=opener.pk)
    Notification.objects.all().delete()
    mail.outbox.clear()
    # when someone replies
    reply = make_reply(topic, replier)
    notify_post(post_id=reply.pk)
    # then the author (auto-watching) and the each-post subscriber are told; the bystander and replier are not
    told = set(Notification.objects.filter(post=reply).values_list("user_id", flat=True))
    assert told == {author.pk, each.pk}
    assert NotificationPreference.objects.filter(user=replier, topic=topic).exists()  # the replier now watches
    # and only the each-post subscriber got an email now (the author's default is a daily digest)
    assert [m.to for m in mail.outbox] == [[each.email]]
    assert Notification.objects.get(user=each, post=reply).emailed_at is not None
    assert Notification.objects.get(user=author, post=reply).emailed_at is None


def test_unwatched_author_is_not_told_of_replies():
    network = NetworkFactory()
    author = make_member(network)
    replier = make_member(network)
    topic, opener = make_topic(network, author)
    notify_post(post_id=opener.pk)
    service.unwatch_topic(user=author, topic=topic)
    reply = make_reply(topic, replier)
    notify_post(post_id=reply.pk)
    assert not Notification.objects.filter(user=author, post=reply).exists()


def test_watcher_who_may_no_longer_read_a_members_only_network_is_not_told():
    network = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    author = make_member(network)
    watcher = make_member(network)
    topic, opener = make_topic(network, author)
    service.watch_topic(user=watcher, topic=topic, frequency=EmailFrequency.EACH_POST)
    Membership.objects.filter(user=watcher).update(status=Membership.Status.REMOVED)
    reply = make_reply(topic, author, body="Secret budget figures")
    notify_post(post_id=reply.pk)
    assert not Notification.objects.filter(user=watcher).exists()
    assert all(watcher.email not in m.to for m in mail.outbox)


def test_hidden_or_pending_posts_notify_nobody():
    network = NetworkFactory()
    author = make_member(network)
    make_member(network)
    topic, opener = make_topic(network, author)
    opener.moderation = opener.Moderation.PENDING
    opener.save()
    assert notify_post(post_id=opener.pk) == 0


def test_each_post_email_has_working_unsubscribe_link_and_headers(client):
    network = NetworkFactory()
    author = make_member(network)
    member = make_member(network)
    service.set_network_frequency(user=member, network=network, frequency=EmailFrequency.EACH_POST)
    topic, opener = make_topic(network, author, title="Khâi-Ma <script>alert(1)</script>")
    notify_post(post_id=opener.pk)
    (message,) = mail.outbox
    assert "List-Unsubscribe" in message.extra_headers
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"http\S+/notifications/unsubscribe/\S+/", message.body).group(0)
    path = link.split("127.0.0.1:8000")[-1] if "127.0.0.1" in link else "/" + link.split("/", 3)[3]
    # GET (not signed in) shows a confirmation and changes nothing
    response = client.get(path)
    assert response.status_code == 200
    assert b"Unsubscribe" in response.content
    assert NotificationPreference.objects.get(user=member, network=network).email_frequency == EmailFrequency.EACH_POST
    # POST unsubscribes
    response = client.post(path)
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=member, network=network).email_frequency == EmailFrequency.NONE


def test_tampered_unsubscribe_token_shows_error_and_changes_nothing(client):
    network = NetworkFactory()
    member = make_member(network)
    service.set_network_frequency(user=member, network=network, frequency=EmailFrequency.DAILY)
    token = service.make_unsubscribe_token(user_id=member.pk, network_id=network.pk)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    url = reverse("networks:notification_unsubscribe", kwargs={"token": tampered})
    assert client.get(url).status_code == 400
    response = client.post(url)
    assert response.status_code == 400
    assert b"This link does not work" in response.content
    assert NotificationPreference.objects.get(user=member, network=network).email_frequency == EmailFrequency.DAILY


def test_token_from_another_salt_is_rejected():
    from django.core import signing

    forged = signing.dumps({"u": 1, "n": None, "t": None})
    with pytest.raises(signing.BadSignature):
        service.read_unsubscribe_token(forged)


def _notify_user(user, network, n=1):
    other = make_member(network)
    for i in range(n):
        topic, opener = make_topic(network, other, title=f"Topic {i}")
        notify_post(post_id=opener.pk)


def test_bell_shows_unread_count_with_accessible_label(client):
    network = NetworkFactory()
    user = make_member(network)
    _notify_user(user, network, n=3)
    client.force_login(user)
    response = client.get(reverse("networks:notification_list"))
    assert response.status_code == 200
    assert 'aria-label="Notifications, 3 unread"' in response.content.decode()


def test_bell_absent_for_visitors(client):
    response = client.get(reverse("networks:network_list"))
    assert "Notifications," not in response.content.decode()


def test_list_shows_unread_first_and_marks_read(client):
    network = NetworkFactory()
    user = make_member(network)
    _notify_user(user, network, n=2)
    first, second = Notification.objects.filter(user=user).order_by("created_at", "id")
    client.force_login(user)
    # mark the newer one read: the older unread one should then be listed first
    client.post(reverse("networks:notification_list"), {"notification": second.pk})
    second.refresh_from_db()
    assert second.read_at is not None
    page = client.get(reverse("networks:notification_list"))
    assert list(page.context["notifications"]) == [first, second]
    client.post(reverse("networks:notification_list"), {"all": "1"})
    assert service.unread_count(user=user) == 0


def test_cannot_mark_someone_elses_notification(client):
    network = NetworkFactory()
    owner = make_member(network)
    _notify_user(owner, network)
    notification = Notification.objects.get(user=owner)
    intruder = UserFactory()
    client.force_login(intruder)
    client.post(reverse("networks:notification_list"), {"notification": notification.pk})
    notification.refresh_from_db()
    assert notification.read_at is None


def test_notifications_pages_need_sign_in(client):
    for name in ("networks:notification_list", "networks:notification_settings"):
        response = client.get(reverse(name))
        assert response.status_code == 302


def test_settings_page_saves_network_and_topic_frequencies(client):
    network = NetworkFactory(name="LED Network")
    user = make_member(network)
    author = make_member(network)
    topic, _opener = make_topic(network, author, title="Township economies")
    service.watch_topic(user=user, topic=topic, frequency=EmailFrequency.DAILY)
    client.force_login(user)
    page = client.get(reverse("networks:notification_settings"))
    assert "LED Network" in page.content.decode() and "Township economies" in page.content.decode()
    response = client.post(
        reverse("networks:notification_settings"),
        {f"network_{network.pk}": EmailFrequency.WEEKLY, f"topic_{topic.pk}": "unwatch"},
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=user, network=network).email_frequency == EmailFrequency.WEEKLY
    assert not NotificationPreference.objects.filter(user=user, topic=topic).exists()


def test_settings_page_rejects_bad_choice_and_changes_nothing(client):
    network = NetworkFactory()
    user = make_member(network)
    client.force_login(user)
    response = client.post(reverse("networks:notification_settings"), {f"network_{network.pk}": "<script>"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_topic_watch_post(client):
    network = NetworkFactory()
    user = make_member(network)
    author = make_member(network)
    topic, _opener = make_topic(network, author)
    client.force_login(user)
    url = reverse("networks:topic_watch", kwargs={"slug": network.slug, "pk": topic.pk})
    assert client.get(url).status_code == 405
    client.post(url, {"frequency": EmailFrequency.EACH_POST})
    assert NotificationPreference.objects.get(user=user, topic=topic).email_frequency == EmailFrequency.EACH_POST
    client.post(url, {"frequency": "unwatch"})
    assert not NotificationPreference.objects.filter(user=user, topic=topic).exists()


def test_topic_watch_on_private_topic_is_404_and_changes_nothing(client):
    network = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    author = make_member(network)
    topic, _opener = make_topic(network, author)
    outsider = UserFactory()
    client.force_login(outsider)
    url = reverse("networks:topic_watch", kwargs={"slug": network.slug, "pk": topic.pk})
    assert client.post(url, {"frequency": EmailFrequency.EACH_POST}).status_code == 404
    assert not NotificationPreference.objects.filter(user=outsider).exists()


def test_forum_service_reply_fans_out_through_the_task(django_capture_on_commit_callbacks):
    from networks.services import forum

    network = NetworkFactory()
    author = make_member(network)
    replier = make_member(network, user=UserFactory(full_name="Ayanda Zulu"))
    with django_capture_on_commit_callbacks(execute=True):
        topic = forum.create_topic(network=network, author=author, title="Billing systems", body="Which vendor?")
    assert Notification.objects.filter(user=replier, kind=Notification.Kind.NEW_TOPIC).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        forum.create_reply(topic=topic, author=replier, body="Ask @[Ayanda Zulu]... no, ask the author")
    # the author watches automatically and hears of the reply; the replier never hears of their own post
    assert Notification.objects.filter(user=author, kind=Notification.Kind.REPLY).count() == 1
    assert Notification.objects.filter(user=replier).count() == 1


def test_accepting_an_answer_notifies_its_author_once_and_never_the_acceptor():
    from networks.services import forum

    network = NetworkFactory(name="Water Network")
    asker = make_member(network, user=UserFactory(full_name="Nomsa Dube"))
    answerer = make_member(network)
    topic, _opener = make_topic(network, asker, title="Meter audits")
    answer = make_reply(topic, answerer)
    # when the asker accepts the answer (twice: the second changes nothing)
    forum.accept_answer(post=answer, acting_user=asker)
    forum.accept_answer(post=answer, acting_user=asker)
    # then the answerer has exactly one notification, linking to the accepted answer; the asker none
    notification = Notification.objects.get(user=answerer, kind=Notification.Kind.ACCEPTED)
    assert notification.text == "Nomsa Dube accepted your answer in: Meter audits"
    assert notification.url == f"{topic.get_absolute_url()}#accepted-{answer.pk}"
    assert notification.actor == asker and notification.post == answer
    assert not Notification.objects.filter(user=asker).exists()
    # and it waits for the answerer's daily digest (the default), which then includes it
    assert notification.emailed_at is None
    mail.outbox.clear()
    assert service.send_digests(frequency=EmailFrequency.DAILY) == 1
    assert "Nomsa Dube accepted your answer in: Meter audits" in mail.outbox[0].body


def test_accepted_answer_emails_at_once_for_each_post_and_not_when_accepting_ones_own():
    from networks.services import forum

    network = NetworkFactory()
    coordinator = make_member(network, role=Membership.Role.COORDINATOR)
    asker = make_member(network)
    answerer = make_member(network)
    service.set_network_frequency(user=answerer, network=network, frequency=EmailFrequency.EACH_POST)
    topic, _opener = make_topic(network, asker)
    own = make_reply(topic, asker, body="I found it myself.")
    answer = make_reply(topic, answerer, body="Check the bulk meters.")
    mail.outbox.clear()
    # when the asker accepts their own reply, nobody is told
    forum.accept_answer(post=own, acting_user=asker)
    assert not Notification.objects.filter(kind=Notification.Kind.ACCEPTED).exists()
    # when a coordinator then accepts the other answer, its author is emailed at once
    forum.accept_answer(post=answer, acting_user=coordinator)
    notification = Notification.objects.get(kind=Notification.Kind.ACCEPTED)
    assert notification.user == answerer and notification.emailed_at is not None
    assert [message.to for message in mail.outbox] == [[answerer.email]]
    assert "accepted your answer" in mail.outbox[0].subject


def test_accepted_answer_of_someone_who_left_a_private_network_tells_them_nothing():
    from networks.services import forum

    network = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    asker = make_member(network)
    answerer = make_member(network)
    topic, _opener = make_topic(network, asker)
    answer = make_reply(topic, answerer)
    Membership.objects.filter(network=network, user=answerer).update(status=Membership.Status.LEFT)
    forum.accept_answer(post=answer, acting_user=asker)
    assert not Notification.objects.filter(user=answerer).exists()


def _bell_queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries if "networks_notification" in q["sql"]]


def test_bell_count_is_kept_in_the_session_so_pages_cost_no_notification_query(client):
    network = NetworkFactory()
    user = make_member(network)
    _notify_user(user, network, n=2)
    client.force_login(user)
    # the first page counts once
    response, queries = _bell_queries(client, "/privacy/")
    assert 'aria-label="Notifications, 2 unread"' in response.content.decode() and len(queries) == 1
    # and the next pages show the count without asking the database
    for path in ("/privacy/", reverse("networks:network_list")):
        response, queries = _bell_queries(client, path)
        assert 'aria-label="Notifications, 2 unread"' in response.content.decode()
        assert queries == []


def test_marking_all_read_empties_the_bell_on_the_next_page(client):
    network = NetworkFactory()
    user = make_member(network)
    _notify_user(user, network, n=2)
    client.force_login(user)
    client.get("/privacy/")  # the bell remembers 2
    client.post(reverse("networks:notification_list"), {"all": "1"})
    response, queries = _bell_queries(client, "/privacy/")
    assert 'aria-label="Notifications, 0 unread"' in response.content.decode() and queries == []


def test_new_notifications_reach_the_bell_once_the_remembered_count_is_stale(client, monkeypatch):
    from networks import context_processors

    network = NetworkFactory()
    user = make_member(network)
    client.force_login(user)
    client.get("/privacy/")  # remembers 0
    _notify_user(user, network, n=1)
    assert 'aria-label="Notifications, 0 unread"' in client.get("/privacy/").content.decode()
    # when the remembered count is older than its maximum age
    later = context_processors._clock() + context_processors.UNREAD_COUNT_MAX_AGE + 1
    monkeypatch.setattr(context_processors, "_clock", lambda: later)
    # then the bell counts again
    assert 'aria-label="Notifications, 1 unread"' in client.get("/privacy/").content.decode()


def test_bell_never_shows_another_persons_remembered_count(client):
    network = NetworkFactory()
    first, second = make_member(network), UserFactory()  # only members hear of new topics
    _notify_user(first, network, n=3)
    client.force_login(first)
    client.get("/privacy/")
    session = client.session
    stored = session[context_processors_key()]
    assert stored[:2] == [first.pk, 3]
    # a session carrying a count for someone else (say, after signing in as another person) is not trusted
    client.force_login(second)
    session = client.session
    session[context_processors_key()] = stored
    session.save()
    assert 'aria-label="Notifications, 0 unread"' in client.get("/privacy/").content.decode()


def context_processors_key() -> str:
    from networks.context_processors import UNREAD_COUNT_SESSION_KEY

    return UNREAD_COUNT_SESSION_KEY
