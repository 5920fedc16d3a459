"""axe-core over the pages of the peer learning networks (issue 4), in Chromium: no violation of impact "serious" or
"critical" is allowed; lesser ones are printed. One test per page, person and width, so a failure names the page.

The machinery (axe injected into a CSP-bypassing context, the Case record, the report) is the one of
tests/e2e/test_accessibility.py. The pages are filled as they are in use: a forum with replies, a quote, an
accepted answer, an edited post, a flag and a post waiting for approval; an event with its one place taken and a
waiting list; notifications read and unread."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from networks.models import Event, Flag, ForumTopic, Membership, Network, Notification, Post, PostRevision, Registration
from networks.services.notifications import make_unsubscribe_token, watch_topic
from tests.e2e.conftest import DESKTOP, PHONE, sign_in, submit_empty
from tests.e2e.test_accessibility import Case, assert_no_serious_violations
from tests.factories import make_user_with_role
from tests.networks.factories import NetworkFactory, make_coordinator, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NET = "/networks/water-services"
TOPIC = NET + "/forum/{topic}/"
EVENT = "/events/benchmarking-workshop/"
PRIVATE = "/networks/metro-knowledge/"  # members-only, by approval: its landing page for a signed-in outsider

CASES = [
    Case("visitor", "/networks/"),
    Case("visitor", NET + "/"),
    Case("visitor", NET + "/forum/"),
    Case("visitor", TOPIC),
    Case("visitor", "/events/"),
    Case("visitor", EVENT),
    Case("visitor", "/networks/notifications/unsubscribe/{token}/"),
    Case("member", "/networks/", phone=True),
    Case("member", NET + "/join/"),
    Case("member", PRIVATE),
    Case("member", PRIVATE, phone=True),
    Case("member", EVENT),
    Case("network_member", NET + "/"),
    Case("network_member", NET + "/", phone=True),
    Case("network_member", NET + "/members/"),
    Case("network_member", NET + "/members/", phone=True),
    Case("network_member", NET + "/forum/"),
    Case("network_member", NET + "/forum/?q=overtime"),
    Case("network_member", TOPIC),
    Case("network_member", TOPIC, phone=True),
    Case("network_member", NET + "/forum/new/"),
    Case("network_member", NET + "/forum/new/", submit_empty=True),
    Case("network_member", NET + "/forum/new/", submit_empty=True, phone=True),
    Case("network_member", NET + "/posts/{reply}/flag/"),
    Case("network_member", NET + "/events/"),
    Case("network_member", "/events/", phone=True),
    Case("network_member", EVENT),
    Case("network_member", EVENT, phone=True),
    Case("waiting", EVENT),
    Case("network_member", "/networks/notifications/"),
    Case("network_member", "/networks/notifications/", phone=True),
    Case("network_member", "/networks/notifications/settings/"),
    Case("coordinator", NET + "/dashboard/"),
    Case("coordinator", NET + "/dashboard/", phone=True),
    Case("coordinator", NET + "/moderation/"),
    Case("coordinator", NET + "/moderation/", phone=True),
    Case("coordinator", TOPIC),
    Case("coordinator", NET + "/members/requests/"),
    Case("coordinator", NET + "/members/invite/", submit_empty=True),
    Case("coordinator", NET + "/posts/{edited}/revisions/"),
    Case("coordinator", NET + "/events/new/", submit_empty=True),
    Case("coordinator", EVENT + "attendees/"),
]


@pytest.fixture
def world() -> dict[str, Any]:
    """A public network taking members by approval, in use; returns the people and the ids the paths need."""
    network = NetworkFactory(name="Water Services Learning Network", slug="water-services",
                             description="Water services managers learning from each other.",
                             purpose="Cut water losses and costs by **sharing what works**.",
                             purpose_html="<p>Cut water losses and costs by <strong>sharing what works</strong>.</p>",
                             visibility=Network.Visibility.PUBLIC, join_policy=Network.JoinPolicy.APPROVAL)
    coordinator = make_coordinator(network, user=make_user_with_role("member", full_name="Thabo Mokoena"),
                                   municipality_code="CPT")
    private = NetworkFactory(name="Metro Knowledge Network", slug="metro-knowledge",
                             description="Knowledge managers of the metros compare what they learn.",
                             purpose_html="<p>Build knowledge management practice in the metros.</p>",
                             visibility=Network.Visibility.MEMBERS, join_policy=Network.JoinPolicy.APPROVAL)
    make_coordinator(private, user=coordinator)
    asker = make_member(network, user=make_user_with_role("municipal_official", full_name="Andile Mabaso"),
                        municipality_code="DC10")
    expert = make_member(network, user=make_user_with_role("municipal_official", full_name="Zanele Nkosi"))
    waiting = make_member(network, user=make_user_with_role("municipal_official", full_name="Precious Molefe"))
    newcomer = make_user_with_role("municipal_official", full_name="Johan Botha")
    Membership.objects.create(network=network, user=newcomer, request_message="I run the depot in George.")

    topic = ForumTopic.objects.create(network=network, title="How did you bring down overtime in water services?",
                                      slug="overtime", author=asker, reply_count=3)
    question = Post.objects.create(topic=topic, author=asker, body="Our standby overtime doubled.",
                                   body_html="<p>Our standby overtime doubled.</p>")
    answer = Post.objects.create(topic=topic, author=expert, body="A standby roster agreed with the union.",
                                 body_html="<p>A standby roster agreed with the union.</p>", helpful_count=1)
    quoting = Post.objects.create(topic=topic, author=coordinator, body="Which allowance?", quoted_post=answer,
                                  body_html="<p>Which allowance?</p>", edited_at=timezone.now())
    PostRevision.objects.create(post=quoting, body="Which allowance did you use?", edited_by=coordinator)
    flagged = Post.objects.create(topic=topic, author=waiting, body="Buy my meters!", body_html="<p>Buy my meters!</p>")
    Flag.objects.create(post=flagged, reporter=asker, reason=Flag.Reason.SPAM, details="Advertising.")
    Post.objects.create(topic=topic, author=waiting, body="Waiting for approval.", moderation=Post.Moderation.PENDING,
                        body_html="<p>Waiting for approval.</p>")
    ForumTopic.objects.filter(pk=topic.pk).update(accepted_post=answer)
    ForumTopic.objects.create(network=network, title="Pinned: how this forum works", slug="rules", author=coordinator,
                              is_pinned=True, is_locked=True)
    watch_topic(user=asker, topic=topic, frequency="each")

    starts = timezone.now() + timedelta(days=12)
    event = Event.objects.create(
        network=network, title="Water services benchmarking workshop", slug="benchmarking-workshop",
        event_type=Event.EventType.WORKSHOP, starts_at=starts, ends_at=starts + timedelta(hours=6),
        venue="Birchwood Conference Centre, Boksburg", online_url="https://meet.example.org/benchmarking",
        capacity=1, description_html="<p>Compare costs per kilolitre.</p>", created_by=coordinator,
    )
    Registration.objects.create(event=event, user=asker, status=Registration.Status.REGISTERED)
    Registration.objects.create(event=event, user=waiting, status=Registration.Status.WAITLISTED,
                                waitlisted_at=timezone.now())

    for kind, text, read in [
        (Notification.Kind.REPLY, "Thabo Mokoena replied in: How did you bring down overtime?", False),
        (Notification.Kind.MENTION, "Zanele Nkosi mentioned you in: How did you bring down overtime?", False),
        (Notification.Kind.NEW_TOPIC, "Thabo Mokoena started a discussion: Pinned: how this forum works", True),
    ]:
        Notification.objects.create(user=asker, kind=kind, actor=coordinator, network=network, topic=topic,
                                    text=text, url=topic.get_absolute_url(),
                                    read_at=timezone.now() if read else None)
    return {
        "people": {"member": make_user_with_role("member", full_name="Lerato Dlamini"), "network_member": asker,
                   "coordinator": coordinator, "waiting": waiting},
        "ids": {"topic": topic.pk, "reply": answer.pk, "edited": quoting.pk,
                "token": make_unsubscribe_token(user_id=asker.pk, network_id=network.pk)},
    }


def submit_first_form_empty(page: Any, path: str) -> None:
    """Send the first form in <main> with its text fields emptied and browser validation off; errors must show."""
    submit_empty(page, page.locator("main form").first, path,
                 button="button[type=submit], button:not([type])", last_button=True)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_network_page_has_no_serious_accessibility_violations(case: Case, world, new_context, live_server,
                                                                screenshot_dir):
    # Given a browser for this person, at desktop or phone width
    context = new_context(bypass_csp=True, viewport=PHONE if case.phone else DESKTOP)
    if case.role != "visitor":
        sign_in(context, live_server, world["people"][case.role])
    page = context.new_page()
    path = case.path.format(**world["ids"])

    # When the page is opened (and, for an error state, its form sent empty)
    response = page.goto(path)
    assert response is not None and response.status == case.status, f"{path} answered {response and response.status}"
    if case.submit_empty:
        submit_first_form_empty(page, path)

    # Then axe finds nothing serious or critical
    assert_no_serious_violations(page, case.id, screenshot_dir)
