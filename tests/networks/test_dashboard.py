"""The coordinator dashboard: who sees it, and its figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from networks.models import Flag, ForumTopic, Membership, Post
from networks.selectors_dashboard import engagement, participation_by_province
from tests.factories import UserFactory, make_user_with_role
from tests.networks.factories import NetworkFactory, make_coordinator, make_member

pytestmark = pytest.mark.django_db


def _post(topic, author, hours_after=0):
    return Post.objects.create(topic=topic, author=author, body="x", body_html="<p>x</p>",
                               created_at=topic.created_at + timedelta(hours=hours_after))


def test_engagement_figures():
    # given a question answered after 2 h and another after 6 h
    network = NetworkFactory()
    asker, answerer = make_member(network), make_member(network)
    make_member(network)  # a silent member
    now = timezone.now() - timedelta(days=2)
    for hours in (2, 6):
        topic = ForumTopic.objects.create(network=network, title=f"Q{hours}", slug=f"q{hours}", author=asker,
                                          created_at=now, is_question=True)
        _post(topic, asker)
        _post(topic, asker, hours_after=1)  # the author's own follow-up does not count
        _post(topic, answerer, hours_after=hours)
    # when the figures are computed
    figures = engagement(network)
    # then
    assert figures["member_count"] == 3
    assert figures["active_members"] == 2
    assert figures["posts_total"] == 6
    assert figures["median_response_hours"] == 4.0


def test_participation_by_province_lists_taking_part_and_not():
    network = NetworkFactory()
    make_member(network, municipality_code="CPT")
    rows = {row["province"].name: row for row in participation_by_province(network)}
    western_cape = rows["Western Cape"]
    assert [m.code for m in western_cape["in"]] == ["CPT"]
    assert len(western_cape["out"]) == western_cape["total"] - 1 > 0
    assert sum(len(row["in"]) for row in rows.values()) == 1
    assert len(rows) == 9


def test_dashboard_for_coordinator_shows_requests_flags_and_table(client):
    network = NetworkFactory(join_policy="approval")
    coordinator = make_coordinator(network)
    Membership.objects.create(network=network, user=UserFactory(full_name="Pending Person"), status="pending")
    member = make_member(network, municipality_code="CPT")
    topic = ForumTopic.objects.create(network=network, title="Water tariffs", slug="water", author=member)
    post = _post(topic, member)
    Flag.objects.create(post=post, reporter=coordinator, reason="spam")
    client.force_login(coordinator)
    response = client.get(reverse("networks:coordinator_dashboard", kwargs={"slug": network.slug}))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Pending Person" in content
    assert "Water tariffs" in content
    assert "City of Cape Town" in content
    assert "Western Cape" in content


@pytest.mark.parametrize("who,status", [("visitor", 302), ("member", 403), ("network_member", 403),
                                         ("other_coordinator", 403), ("staff", 403), ("admin", 200)])
def test_dashboard_access(client, who, status):
    network = NetworkFactory()
    other = NetworkFactory()
    user = {
        "visitor": None,
        "member": UserFactory(),
        "network_member": make_member(network),
        "other_coordinator": make_coordinator(other),
        "staff": make_user_with_role("salga_staff"),
        "admin": make_user_with_role("site_administrator"),
    }[who]
    if user:
        client.force_login(user)
    response = client.get(reverse("networks:coordinator_dashboard", kwargs={"slug": network.slug}))
    assert response.status_code == status
