"""Thread to knowledge: a coordinator turns a topic with an accepted answer into a draft resource."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.models import AuditEntry
from networks.models import ForumTopic
from networks.services import forum
from resources.models import Resource
from tests.networks.forum_fixtures import coordinator, make_network, member

pytestmark = pytest.mark.django_db


def _answered(network):
    asker, answerer = member(network), member(network)
    topic = forum.create_topic(network=network, author=asker, title="Reducing water losses in Khâi-Ma",
                               body="What worked for **you**?")
    answer = forum.create_reply(topic=topic, author=answerer, body="Pressure management and leak teams.")
    return topic, answer


def test_coordinator_turns_answered_topic_into_draft_resource(client):
    network = make_network()
    topic, answer = _answered(network)
    forum.accept_answer(post=answer, acting_user=topic.author)
    client.force_login(coordinator(network))
    response = client.post(reverse("networks:topic_to_resource", kwargs={"slug": network.slug, "pk": topic.pk}))
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.status == Resource.Status.DRAFT
    assert resource.title == topic.title
    assert "What worked for **you**?" in resource.body and "Pressure management" in resource.body
    assert topic.get_absolute_url() in resource.body
    assert set(resource.authors.all()) == {topic.author, answer.author}
    assert ForumTopic.objects.get(pk=topic.pk).knowledge_resource == resource
    assert AuditEntry.objects.filter(action="networks.topic_to_resource").exists()
    # twice: refused, still one resource
    again = client.post(reverse("networks:topic_to_resource", kwargs={"slug": network.slug, "pk": topic.pk}))
    assert again.status_code == 403 and Resource.objects.count() == 1


def test_topic_without_accepted_answer_cannot_become_a_resource(client):
    network = make_network()
    topic, _ = _answered(network)
    client.force_login(coordinator(network))
    response = client.post(reverse("networks:topic_to_resource", kwargs={"slug": network.slug, "pk": topic.pk}))
    assert response.status_code == 403 and not Resource.objects.exists()


def test_members_and_coordinators_of_another_network_cannot_turn_a_topic_into_a_resource(client):
    network, other = make_network(), make_network()
    topic, answer = _answered(network)
    forum.accept_answer(post=answer, acting_user=topic.author)
    for user in (topic.author, coordinator(other)):
        client.force_login(user)
        response = client.post(reverse("networks:topic_to_resource", kwargs={"slug": network.slug, "pk": topic.pk}))
        assert response.status_code == 403
    assert not Resource.objects.exists() and ForumTopic.objects.get(pk=topic.pk).knowledge_resource is None
