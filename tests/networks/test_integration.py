"""Networks in hub pages: home sections, municipality pages, site search, "download my data"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hub import registry
from networks.integration import export_network_data
from networks.models import Event, ForumTopic, Network, Post, Registration
from tests.factories import UserFactory
from tests.networks.factories import NetworkFactory, make_member

pytestmark = pytest.mark.django_db


def _topic(network, title, author=None):
    topic = ForumTopic.objects.create(network=network, title=title, slug="t", author=author)
    Post.objects.create(topic=topic, author=author, body="Body", body_html="<p>Body</p>")
    return topic


def _event(network, title):
    start = timezone.now() + timedelta(days=5)
    return Event.objects.create(network=network, title=title, slug=title.lower().replace(" ", "-"),
                                event_type="webinar", starts_at=start, ends_at=start + timedelta(hours=1))


def test_home_shows_public_discussions_and_events_but_not_private_ones(client):
    public = NetworkFactory()
    private = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    _topic(public, "Public tariffs discussion")
    _topic(private, "Private turnaround discussion")
    _event(public, "Public webinar")
    _event(private, "Private retreat")
    content = client.get(reverse("hub:home")).content.decode()
    assert "Public tariffs discussion" in content and "Public webinar" in content
    assert "Private turnaround discussion" not in content and "Private retreat" not in content


def test_municipality_page_lists_networks_its_officials_take_part_in(client):
    network = NetworkFactory(name="Mining &amp; LG Network test")
    hidden = NetworkFactory(name="Hidden network", visibility=Network.Visibility.MEMBERS)
    make_member(network, municipality_code="CPT")
    make_member(hidden, municipality_code="CPT")
    content = client.get(reverse("hub:municipality_detail", kwargs={"code": "CPT"})).content.decode()
    assert network.get_absolute_url() in content
    assert "Hidden network" not in content


@pytest.mark.parametrize("provider_key", ["network_topics", "events"])
def test_site_search_respects_visibility(provider_key):
    public = NetworkFactory()
    private = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    _topic(public, "Groundwater licensing")
    _topic(private, "Groundwater secret")
    _event(public, "Groundwater webinar")
    _event(private, "Groundwater closed session")
    provider = next(p for p in registry.search_providers() if p.key == provider_key)
    outsider = provider.search(user=UserFactory(), query="Groundwater", limit=10)
    titles = [r.title for r in outsider.results]
    assert titles and all("secret" not in t and "closed" not in t for t in titles)
    insider = provider.search(user=make_member(private), query="Groundwater", limit=10)
    assert insider.total == 2


def test_download_my_data_includes_posts_memberships_registrations():
    network = NetworkFactory(name="LED Network test")
    user = make_member(network)
    _topic(network, "Informal trade", author=user)
    event = _event(network, "Trade webinar")
    Registration.objects.create(event=event, user=user, status="registered")
    data = export_network_data(user)
    assert data["memberships"][0]["network"] == "LED Network test"
    assert data["posts"][0]["topic"] == "Informal trade"
    assert data["event_registrations"][0]["event"] == "Trade webinar"


def test_demo_seeder_is_idempotent():
    from networks.demo import NETWORKS, seed_networks_demo

    seed_networks_demo()
    seed_networks_demo()
    assert Network.objects.filter(slug__in=[n["slug"] for n in NETWORKS]).count() == 7
