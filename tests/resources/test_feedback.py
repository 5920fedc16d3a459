""""Was this useful?": one answer per member per resource, anonymous answers once per browser session, counters
that always equal the stored answers, and 404 for resources the person may not see."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from resources.models import Feedback, Resource
from resources.services.feedback import record_feedback
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def feedback_url(resource: Resource) -> str:
    return reverse("resources:feedback", kwargs={"slug": resource.slug})


def counts(resource: Resource) -> tuple[int, int]:
    resource.refresh_from_db()
    return resource.useful_count, resource.not_useful_count


def test_a_member_answers_once_and_can_change_the_answer(client):
    resource = ResourceFactory()
    member = make_user_with_role("member")
    client.force_login(member)
    response = client.post(feedback_url(resource), {"useful": "yes", "comment": "Clear\x00 and short"})
    assert response.status_code == 302 and response["Location"].endswith("#feedback")
    assert counts(resource) == (1, 0)
    client.post(feedback_url(resource), {"useful": "yes"})
    assert counts(resource) == (1, 0)
    client.post(feedback_url(resource), {"useful": "no"})
    assert counts(resource) == (0, 1)
    answer = Feedback.objects.get(resource=resource)
    assert answer.user == member and answer.is_useful is False and answer.comment == "Clear and short"
    html = client.get(resource.get_absolute_url()).content.decode()
    assert "You said this resource was not useful." in html


def test_visitors_answer_once_per_session_without_a_user():
    resource = ResourceFactory()
    first, second = Client(), Client()
    first.post(feedback_url(resource), {"useful": "yes"})
    first.post(feedback_url(resource), {"useful": "no"})
    second.post(feedback_url(resource), {"useful": "yes"})
    assert counts(resource) == (1, 1)
    assert Feedback.objects.filter(resource=resource, user__isnull=True).count() == 2


@pytest.mark.parametrize("answer", ["", "maybe", "1", "<script>"])
def test_an_invalid_answer_changes_nothing(client, answer):
    resource = ResourceFactory()
    response = client.post(feedback_url(resource), {"useful": answer})
    assert response.status_code == 302
    assert counts(resource) == (0, 0) and not Feedback.objects.exists()


@pytest.mark.parametrize(("role", "visibility"), [
    ("visitor", "members"), ("visitor", "internal"), ("member", "internal"), ("municipal_official", "internal"),
])
def test_feedback_on_a_resource_you_may_not_see_is_404_and_changes_nothing(client_for_role, role, visibility):
    resource = ResourceFactory(visibility=visibility)
    client, _user = client_for_role(role)
    assert client.post(feedback_url(resource), {"useful": "yes"}).status_code == 404
    assert counts(resource) == (0, 0) and not Feedback.objects.exists()


def test_feedback_on_an_unpublished_resource_is_refused_even_for_its_uploader(client):
    uploader = make_user_with_role("member")
    resource = ResourceFactory(status="submitted", created_by=uploader)
    client.force_login(uploader)
    assert client.post(feedback_url(resource), {"useful": "yes"}).status_code == 404
    assert not Feedback.objects.exists()


def test_get_is_not_allowed(client):
    assert client.get(feedback_url(ResourceFactory())).status_code == 405


def test_service_keeps_counters_equal_to_the_answers():
    resource = ResourceFactory()
    people = [make_user_with_role("member") for _ in range(4)]
    for index, person in enumerate(people):
        record_feedback(resource=resource, user=person, is_useful=index % 2 == 0)
    record_feedback(resource=resource, user=people[1], is_useful=True)
    record_feedback(resource=resource, user=people[0], is_useful=True)
    useful = Feedback.objects.filter(resource=resource, is_useful=True).count()
    not_useful = Feedback.objects.filter(resource=resource, is_useful=False).count()
    assert counts(resource) == (useful, not_useful) == (3, 1)
    assert Feedback.objects.filter(resource=resource).count() == 4


def test_comment_is_capped():
    resource = ResourceFactory()
    answer = record_feedback(resource=resource, user=make_user_with_role("member"), is_useful=False,
                             comment="x" * 5000)
    assert len(answer.comment) == 1000
