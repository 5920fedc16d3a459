"""The network list and a network's page: visibility, content shown, private networks by URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from networks.models import Event, ForumTopic, Network
from networks.services import forum
from tests.factories import UserFactory, make_user_with_role
from tests.networks.factories import NetworkFactory, make_coordinator, make_member

pytestmark = pytest.mark.django_db


def test_list_shows_public_networks_and_hides_private_ones_from_outsiders(client):
    public = NetworkFactory(name="LED Network")
    private = NetworkFactory(name="Municipal Managers Forum", visibility=Network.Visibility.MEMBERS)
    response = client.get(reverse("networks:network_list"))
    assert public.name.encode() in response.content
    assert private.name.encode() not in response.content
    client.force_login(make_member(private))
    assert private.name.encode() in client.get(reverse("networks:network_list")).content


def test_staff_see_private_networks(client):
    private = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    client.force_login(make_user_with_role("salga_staff"))
    assert client.get(private.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("join_policy", list(Network.JoinPolicy))
@pytest.mark.parametrize("who", ["visitor", "member", "former"])
def test_private_network_content_by_url_is_404(client, who, join_policy):
    network = NetworkFactory(visibility=Network.Visibility.MEMBERS, join_policy=join_policy)
    coordinator = make_coordinator(network)
    if who == "member":
        client.force_login(UserFactory())
    elif who == "former":
        user = make_member(network, status="left")
        client.force_login(user)
    topic = ForumTopic.objects.create(network=network, title="Secret", slug="secret", author=coordinator)
    for name in ["member_list", "request_list", "invite", "coordinator_dashboard", "topic_list", "network_event_list"]:
        assert client.get(reverse(f"networks:{name}", kwargs={"slug": network.slug})).status_code == 404, name
    assert client.get(topic.get_absolute_url()).status_code == 404
    # The network's page and its join page: a landing page for signed-in people when it takes members without an
    # invitation (tests/networks/test_members_only_landing.py), otherwise nothing at all
    findable = who != "visitor" and join_policy != Network.JoinPolicy.INVITATION
    for name in ["network_detail", "join"]:
        response = client.get(reverse(f"networks:{name}", kwargs={"slug": network.slug}))
        assert response.status_code == (200 if findable else 404), name
        assert b"Secret" not in response.content


def test_network_page_shows_purpose_coordinators_municipalities_topics_events_and_escapes_titles(client):
    # given a network with a coordinator, a member from a municipality, a topic with a hostile title and an event
    network = NetworkFactory(name="Mining & LG Network", purpose="Mining towns learning together.")
    make_coordinator(network, user=UserFactory(full_name="Lindiwe Khumalo"))
    asker = make_member(network, municipality_code="CPT")
    forum.create_topic(network=network, author=asker, title="<script>alert(1)</script> rates", body="Question")
    Event.objects.create(network=network, title="Tshivenḓa workshop", slug="ws", event_type="workshop",
                         starts_at=timezone.now() + timedelta(days=3), ends_at=timezone.now() + timedelta(days=3, hours=2))
    # when anyone opens it
    response = client.get(network.get_absolute_url())
    content = response.content.decode()
    # then it shows all of that, with the title inert
    assert response.status_code == 200
    assert "Mining towns learning together." in content
    assert "Lindiwe Khumalo" in content
    assert "City of Cape Town" in content
    assert "Tshivenḓa workshop" in content
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content


def test_unknown_network_is_404(client):
    assert client.get("/networks/no-such-network/").status_code == 404
