"""Daily and weekly digests: one email per person, only their pending notifications, never twice."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from networks.models import EmailFrequency, Network, Notification
from networks.services import notifications as service
from networks.services.notifications import notify_post
from networks.tasks import send_daily_digests_task
from tests.networks.factories import NetworkFactory, make_member
from tests.networks.notify_helpers import make_topic

pytestmark = pytest.mark.django_db


def _setup():
    network = NetworkFactory(name="ICT Network")
    author = make_member(network)
    daily = make_member(network)  # the default is a daily digest
    weekly = make_member(network)
    service.set_network_frequency(user=weekly, network=network, frequency=EmailFrequency.WEEKLY)
    nothing = make_member(network)
    service.set_network_frequency(user=nothing, network=network, frequency=EmailFrequency.NONE)
    for title in ("Fibre to municipal offices", "Cyber security policy"):
        _topic, opener = make_topic(network, author, title=title)
        notify_post(post_id=opener.pk)
    mail.outbox.clear()
    return network, author, daily, weekly, nothing


def test_daily_digest_sends_one_email_each_and_only_once():
    network, author, daily, weekly, nothing = _setup()
    # when the daily digest runs
    sent = service.send_digests(frequency=EmailFrequency.DAILY)
    # then only the daily person gets one email listing both discussions
    assert sent == 1
    (message,) = mail.outbox
    assert message.to == [daily.email]
    assert "Fibre to municipal offices" in message.body and "Cyber security policy" in message.body
    assert "/networks/notifications/unsubscribe/" in message.body
    assert "List-Unsubscribe" in message.extra_headers
    assert not Notification.objects.filter(user=daily, emailed_at__isnull=True).exists()
    # and a rerun sends nothing
    assert service.send_digests(frequency=EmailFrequency.DAILY) == 0
    assert len(mail.outbox) == 1
    # the "no email" person's notifications are still in the hub
    assert Notification.objects.filter(user=nothing).count() == 2


def test_weekly_command_and_daily_task():
    network, author, daily, weekly, nothing = _setup()
    call_command("send_network_digests", "--weekly")
    assert [m.to for m in mail.outbox] == [[weekly.email]]
    send_daily_digests_task.enqueue()
    assert [m.to for m in mail.outbox] == [[weekly.email], [daily.email]]
    call_command("send_network_digests", "--daily", "--weekly")
    assert len(mail.outbox) == 2


def test_digest_leaves_out_networks_the_person_left():
    from networks.models import Membership

    network = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    author = make_member(network)
    member = make_member(network)
    _topic, opener = make_topic(network, author, title="Private matter")
    notify_post(post_id=opener.pk)
    Membership.objects.filter(user=member).update(status=Membership.Status.LEFT)
    mail.outbox.clear()
    assert service.send_digests(frequency=EmailFrequency.DAILY) == 0
    assert mail.outbox == []


def test_topic_preference_wins_over_network_preference():
    network = NetworkFactory()
    author = make_member(network)
    member = make_member(network)
    service.set_network_frequency(user=member, network=network, frequency=EmailFrequency.WEEKLY)
    topic, opener = make_topic(network, author)
    service.watch_topic(user=member, topic=topic, frequency=EmailFrequency.DAILY)
    notify_post(post_id=opener.pk)
    assert service.send_digests(frequency=EmailFrequency.WEEKLY) == 0
    assert service.send_digests(frequency=EmailFrequency.DAILY) == 1


def test_digest_unsubscribe_all_stops_every_email(client):
    network, author, daily, weekly, nothing = _setup()
    token = service.make_unsubscribe_token(user_id=daily.pk)
    client.post(f"/networks/notifications/unsubscribe/{token}/")
    _topic, opener = make_topic(network, author, title="Another")
    notify_post(post_id=opener.pk)
    Notification.objects.filter(user=daily).update(emailed_at=None)
    mail.outbox.clear()
    service.send_digests(frequency=EmailFrequency.DAILY)
    assert all(m.to != [daily.email] for m in mail.outbox)
