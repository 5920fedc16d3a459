"""Members-only networks that take members by approval, or let anyone join, can be found (Network.objects
.discoverable_to): signed-in people who are not members see them in the list and on a landing page with the
"Ask to join" (or "Join this network") form, and nothing of their content. Visitors see nothing; members-only
networks by invitation stay hidden; every view of the content stays 404 until the person is a member."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from networks.models import Event, ForumTopic, Membership, Network, Post
from networks.services import membership as service
from tests.factories import UserFactory
from tests.networks.factories import NetworkFactory, make_coordinator, make_member
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

TOPIC_TITLE = "Confidential: metro knowledge audit findings"
POST_TEXT = "Our knowledge audit found three silos in the metro."
EVENT_TITLE = "Knowledge managers' closed session"
COORDINATOR_NAME = "Nomvula Dlamini"
MEMBER_NAME = "Fatima Patel"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Emails are queued on commit: `with commit():` runs those callbacks at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _network(join_policy: str = Network.JoinPolicy.APPROVAL) -> Network:
    network = NetworkFactory(
        name="SA Cities knowledge reference group", slug="sacn-krg", visibility=Network.Visibility.MEMBERS,
        join_policy=join_policy, description="Knowledge managers of the metros compare what they learn.",
        purpose="Build knowledge management practice in the metros.",
        purpose_html="<p>Build knowledge management practice in the metros.</p>",
    )
    make_coordinator(network, user=UserFactory(full_name=COORDINATOR_NAME))
    make_member(network, user=UserFactory(full_name=MEMBER_NAME), municipality_code="CPT")
    return network


def _fill_with_content(network: Network) -> ForumTopic:
    """Discussions, an event and a library resource: everything a non-member must not learn of."""
    coordinator = network.memberships.get(role=Membership.Role.COORDINATOR).user
    topic = ForumTopic.objects.create(network=network, title=TOPIC_TITLE, slug="audit", author=coordinator,
                                      reply_count=1)
    Post.objects.create(topic=topic, author=coordinator, body=POST_TEXT, body_html=f"<p>{POST_TEXT}</p>")
    Post.objects.create(topic=topic, author=coordinator, body="A reply.", body_html="<p>A reply.</p>")
    for number in range(3):
        ForumTopic.objects.create(network=network, title=f"Another discussion {number}", slug=f"d{number}",
                                  author=coordinator)
    starts = timezone.now() + timedelta(days=5)
    Event.objects.create(network=network, title=EVENT_TITLE, slug="closed-session", event_type="network_meeting",
                         starts_at=starts, ends_at=starts + timedelta(hours=2), created_by=coordinator)
    return topic


def _content_urls(network: Network, topic: ForumTopic) -> list[str]:
    slug = {"slug": network.slug}
    return [
        reverse("networks:topic_list", kwargs=slug),
        topic.get_absolute_url(),
        reverse("networks:member_list", kwargs=slug),
        reverse("networks:network_event_list", kwargs=slug),
        reverse("networks:network_calendar", kwargs=slug),
        reverse("networks:coordinator_dashboard", kwargs=slug),
        reverse("events:event_detail", kwargs={"slug": "closed-session"}),
        reverse("events:event_ics", kwargs={"slug": "closed-session"}),
    ]


def _without_csrf(html: bytes) -> str:
    """The page with its per-request CSRF token blanked, so two renderings can be compared."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', html.decode())


def test_signed_in_non_member_finds_the_network_asks_to_join_and_reads_the_forum_once_approved(client, commit):
    # Given a members-only network that takes members by approval, in use, and a signed-in official outside it
    network = _network()
    topic = _fill_with_content(network)
    coordinator = network.memberships.get(role=Membership.Role.COORDINATOR).user
    official = UserFactory(full_name="Andile Mabaso")
    client.force_login(official)

    # When they open the network list, then it is there, marked members only, with its member count
    listing = client.get(reverse("networks:network_list")).content.decode()
    assert network.name in listing and network.get_absolute_url() in listing
    assert "Members only" in listing and "2 members" in listing

    # When they open it, then they get its landing page with the "Ask to join" form, and none of its content
    landing = client.get(network.get_absolute_url())
    assert landing.status_code == 200
    assert [template.name for template in landing.templates][0] == "networks/network_landing.html"
    page = landing.content.decode()
    assert network.description in page and "Build knowledge management practice in the metros." in page
    assert "2 members" in page
    assert f'action="{reverse("networks:join", kwargs={"slug": network.slug})}"' in page
    assert 'name="message"' in page and "Ask to join" in page
    for url in _content_urls(network, topic):
        assert client.get(url).status_code == 404, url

    # When they ask to join from it
    with commit():
        response = client.post(reverse("networks:join", kwargs={"slug": network.slug}),
                               {"message": "I manage knowledge in Tshwane."})

    # Then the request waits for the coordinator, who is emailed, and the content is still closed to them
    assert response.status_code == 302 and response["Location"] == network.get_absolute_url()
    membership = Membership.objects.get(network=network, user=official)
    assert membership.status == Membership.Status.PENDING
    assert membership.request_message == "I manage knowledge in Tshwane."
    assert [message.to for message in mail.outbox] == [[coordinator.email]]
    after = client.get(network.get_absolute_url()).content.decode()
    assert "You asked to join" in after and 'name="message"' not in after
    assert "You asked to join" in client.get(reverse("networks:network_list")).content.decode()
    for url in _content_urls(network, topic):
        assert client.get(url).status_code == 404, url

    # When the coordinator approves the request
    client.force_login(coordinator)
    with commit():
        client.post(reverse("networks:request_list", kwargs={"slug": network.slug}),
                    {"membership_id": membership.pk, "decision": "approve"})
    assert mail.outbox[-1].to == [official.email]

    # Then the official reads the network's page and its forum
    client.force_login(official)
    detail = client.get(network.get_absolute_url())
    assert [template.name for template in detail.templates][0] == "networks/network_detail.html"
    assert TOPIC_TITLE in detail.content.decode()
    forum = client.get(reverse("networks:topic_list", kwargs={"slug": network.slug}))
    assert forum.status_code == 200 and TOPIC_TITLE in forum.content.decode()
    assert POST_TEXT in client.get(topic.get_absolute_url()).content.decode()


def test_a_visitor_gets_nothing(client):
    # Given a members-only network by approval, and someone not signed in
    network = _network()
    topic = _fill_with_content(network)
    # When they look for it, then it is not listed, its page and its join page are 404, and asking changes nothing
    assert network.name not in client.get(reverse("networks:network_list")).content.decode()
    assert client.get(network.get_absolute_url()).status_code == 404
    join = reverse("networks:join", kwargs={"slug": network.slug})
    assert client.get(join).status_code == 404
    assert client.post(join, {"message": "Let me in"}).status_code == 404
    for url in _content_urls(network, topic):
        assert client.get(url).status_code == 404, url
    assert Membership.objects.filter(network=network).count() == 2


def test_an_open_members_only_network_is_found_and_joined_at_once(client):
    # Given a members-only network anyone may join, in use, and a signed-in official outside it
    network = _network(Network.JoinPolicy.OPEN)
    topic = _fill_with_content(network)
    official = UserFactory(full_name="Andile Mabaso")
    client.force_login(official)
    # When they open the list and the network, then they find it, with a "Join this network" button and no content
    assert network.name in client.get(reverse("networks:network_list")).content.decode()
    landing = client.get(network.get_absolute_url())
    assert [template.name for template in landing.templates][0] == "networks/network_landing.html"
    page = landing.content.decode()
    assert "Join this network" in page and "Any official with a verified email address can join" in page
    assert 'name="message"' not in page and TOPIC_TITLE not in page
    for url in _content_urls(network, topic):
        assert client.get(url).status_code == 404, url
    # When they join, then they are a member at once and read the forum; nobody was asked
    response = client.post(reverse("networks:join", kwargs={"slug": network.slug}))
    assert response.status_code == 302
    assert Membership.objects.get(network=network, user=official).status == Membership.Status.ACTIVE
    assert mail.outbox == []
    assert POST_TEXT in client.get(topic.get_absolute_url()).content.decode()
    # And a visitor still learns nothing of it
    client.logout()
    assert client.get(network.get_absolute_url()).status_code == 404
    assert network.name not in client.get(reverse("networks:network_list")).content.decode()


def test_members_only_networks_not_taking_requests_stay_hidden(client):
    # Given a members-only network by invitation, and a signed-in official outside it
    network = _network(Network.JoinPolicy.INVITATION)
    _fill_with_content(network)
    client.force_login(UserFactory())
    # When they look for it, then it is not listed, and its page and its join page are 404
    assert network.name not in client.get(reverse("networks:network_list")).content.decode()
    assert client.get(network.get_absolute_url()).status_code == 404
    join = reverse("networks:join", kwargs={"slug": network.slug})
    assert client.get(join).status_code == 404
    # And asking to join changes nothing
    assert client.post(join, {"message": "Let me in"}).status_code == 404
    assert Membership.objects.filter(network=network).count() == 2


def test_a_person_the_network_banned_no_longer_finds_it(client):
    # Given a member of a members-only network by approval who was removed and banned
    network = _network()
    coordinator = network.memberships.get(role=Membership.Role.COORDINATOR).user
    user = make_member(network)
    service.remove_member(actor=coordinator, membership=Membership.objects.get(network=network, user=user), ban=True)
    client.force_login(user)
    # When they look for it, then their old link is 404 and the list leaves it out, as before it was discoverable
    assert client.get(network.get_absolute_url()).status_code == 404
    assert network.name not in client.get(reverse("networks:network_list")).content.decode()
    assert client.post(reverse("networks:join", kwargs={"slug": network.slug})).status_code == 404
    assert Membership.objects.get(network=network, user=user).status == Membership.Status.REMOVED


def test_an_unverified_account_sees_the_landing_but_is_asked_to_verify_first(client):
    network = _network()
    client.force_login(UserFactory(verified=False))
    page = client.get(network.get_absolute_url()).content.decode()
    assert "Verify your email address, then you can ask to join." in page
    assert 'name="message"' not in page


def test_landing_and_list_reveal_nothing_of_the_content_in_any_count(client):
    # Given a members-only network by approval, and a signed-in official outside it
    network = _network()
    client.force_login(UserFactory())
    pages = {"landing": network.get_absolute_url(), "list": reverse("networks:network_list")}
    empty = {name: _without_csrf(client.get(url).content) for name, url in pages.items()}

    # When the network fills with discussions, replies, an event and a library resource
    _fill_with_content(network)
    network.resources.add(ResourceFactory(title="Metro knowledge audit report"))
    full = {name: _without_csrf(client.get(url).content) for name, url in pages.items()}

    # Then neither page names any of it, nor its people, nor changes at all: not even a count gives it away
    for name, html in full.items():
        for secret in (TOPIC_TITLE, POST_TEXT, EVENT_TITLE, "Another discussion", "Metro knowledge audit report",
                       COORDINATOR_NAME, MEMBER_NAME, "City of Cape Town"):
            assert secret not in html, f"{name} shows {secret!r}"
        assert html == empty[name], f"{name} changed when the network's content grew"
