"""The permission matrix of issue 4: seven kinds of person over every network, forum, notification and event view,
for a members-only network (where "denied" must also mean "not revealed": 404) and a public one.

Both networks take members by approval, so a members-only one is discoverable (Network.objects.discoverable_to):
signed-in people who may not read it get its landing page (network_detail) and may ask to join (join); every view
of its content stays 404 for them. tests/networks/test_members_only_landing.py covers the landing itself.

Two halves: every page opened with GET (who gets 200), and every write sent with POST (for whom it takes effect).
A write that does not take effect must change nothing at all: every row of the networks' tables, the resources
and the audit log is compared before and after. Each person's attempt runs in a savepoint that is rolled back, so
all seven try the same world."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hub.models import AuditEntry
from networks.models import (
    Event,
    Flag,
    ForumTopic,
    Invitation,
    Membership,
    Network,
    Notification,
    NotificationPreference,
    Post,
    PostRevision,
    Reaction,
    Registration,
)
from networks.services import membership as membership_service
from networks.services.notifications import make_unsubscribe_token
from networks.views.events import calendar_token
from resources.models import Resource
from tests.factories import UserFactory, make_user_with_role
from tests.networks.factories import NetworkFactory, make_coordinator, make_member

pytestmark = pytest.mark.django_db

PEOPLE = ["visitor", "member", "network_member", "coordinator", "other_coordinator", "staff", "administrator"]
READERS_PRIVATE = {"network_member", "coordinator", "staff", "administrator"}
EVERYONE = set(PEOPLE)
SIGNED_IN = EVERYONE - {"visitor"}
NOBODY: set[str] = set()
MODERATORS = {"coordinator", "administrator"}
MEMBERS_AND_MODERATORS = {"network_member", "coordinator", "administrator"}
POSTERS = {"network_member", "coordinator"}
HUB_EVENT_MANAGERS = {"staff", "administrator"}


@dataclass
class World:
    network: Network
    topic: ForumTopic  # asked by the coordinator, answered (not yet accepted) by the network member
    question: Post
    reply: Post
    answered: ForumTopic  # a topic with an accepted answer, ready to become a resource
    event: Event
    registration: Registration  # the network member's place at the event
    membership: Membership  # the network member's
    pending: Membership  # someone asking to join
    notification: Notification  # an unread one for the network member
    invitation_token: str
    people: dict[str, Any]


def _world(visibility: str) -> World:
    network = NetworkFactory(visibility=visibility, join_policy=Network.JoinPolicy.APPROVAL)
    other = NetworkFactory()
    coordinator = make_coordinator(network)
    people = {
        "visitor": None,
        "member": UserFactory(),
        "network_member": make_member(network),
        "coordinator": coordinator,
        "other_coordinator": make_coordinator(other),
        "staff": make_user_with_role("salga_staff"),
        "administrator": make_user_with_role("site_administrator"),
    }
    network_member = people["network_member"]
    topic = ForumTopic.objects.create(network=network, title="Rates", slug="rates", author=coordinator)
    question = Post.objects.create(topic=topic, author=coordinator, body="Q", body_html="<p>Q</p>")
    reply = Post.objects.create(topic=topic, author=network_member, body="A", body_html="<p>A</p>")
    answered = ForumTopic.objects.create(network=network, title="Tariffs", slug="tariffs", author=coordinator)
    Post.objects.create(topic=answered, author=coordinator, body="How?", body_html="<p>How?</p>")
    answer = Post.objects.create(topic=answered, author=network_member, body="So.", body_html="<p>So.</p>")
    ForumTopic.objects.filter(pk=answered.pk).update(accepted_post=answer, reply_count=1)
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(network=network, title="Meeting", slug=f"meeting-{network.pk}", event_type="webinar",
                                 starts_at=start, ends_at=start + timedelta(hours=1), created_by=coordinator,
                                 online_url="https://meet.example.org/rates")
    registration = Registration.objects.create(event=event, user=network_member, status=Registration.Status.REGISTERED)
    membership = Membership.objects.get(network=network, user=network_member)
    pending = Membership.objects.create(network=network, user=UserFactory(), status=Membership.Status.PENDING)
    notification = Notification.objects.create(
        user=network_member, kind=Notification.Kind.REPLY, actor=coordinator, network=network, topic=topic, post=reply,
        text="A reply", url=topic.get_absolute_url(),
    )
    _invitation, token = membership_service.invite(actor=coordinator, network=network, email="invitee@example.org")
    return World(network, topic, question, reply, answered, event, registration, membership, pending, notification,
                 token, people)


# ---------------------------------------------------------------- pages (GET)

# view name -> (who may open it on a members-only network, on a public network)
VIEWS: dict[str, tuple[set[str], set[str]]] = {
    "networks:network_list": (EVERYONE, EVERYONE),
    "networks:network_detail": (SIGNED_IN, EVERYONE),  # members-only: the landing page for signed-in non-members
    "networks:join": (SIGNED_IN, SIGNED_IN),  # the form; whether joining takes effect is in WRITES
    "networks:member_list": (MEMBERS_AND_MODERATORS, MEMBERS_AND_MODERATORS),
    "networks:request_list": (MODERATORS, MODERATORS),
    "networks:invite": (MODERATORS, MODERATORS),
    "networks:member_manage": (MODERATORS, MODERATORS),
    "networks:invitation_accept": (EVERYONE, EVERYONE),  # whoever holds the emailed link
    "networks:coordinator_dashboard": (MODERATORS, MODERATORS),
    "networks:topic_list": (READERS_PRIVATE, EVERYONE),
    "networks:topic_detail": (READERS_PRIVATE, EVERYONE),
    "networks:topic_create": (POSTERS, POSTERS),
    "networks:post_edit": (MODERATORS, MODERATORS),  # the coordinator's own post
    "networks:post_flag": (READERS_PRIVATE, SIGNED_IN),
    "networks:moderation_queue": (MODERATORS, MODERATORS),
    "networks:post_revisions": (MODERATORS, MODERATORS),
    "networks:notification_list": (SIGNED_IN, SIGNED_IN),
    "networks:notification_settings": (SIGNED_IN, SIGNED_IN),
    "networks:notification_unsubscribe": (EVERYONE, EVERYONE),  # the signed link in an email works without sign-in
    "networks:network_event_list": (READERS_PRIVATE, EVERYONE),
    "networks:event_create": (MODERATORS, MODERATORS),
    "networks:network_calendar": (READERS_PRIVATE, EVERYONE),
    "events:event_list": (EVERYONE, EVERYONE),
    "events:event_create": (HUB_EVENT_MANAGERS, HUB_EVENT_MANAGERS),
    "events:event_detail": (READERS_PRIVATE, EVERYONE),
    "events:event_edit": (MODERATORS, MODERATORS),
    "events:attendee_list": (MODERATORS, MODERATORS),
    "events:attendee_csv": (MODERATORS, MODERATORS),
    "events:event_ics": (READERS_PRIVATE, EVERYONE),
    "events:personal_calendar": (EVERYONE, EVERYONE),  # the signed token names the person; calendar apps send no cookies
}
NOT_NETWORK_SCOPED = {
    "networks:network_list", "events:event_list", "networks:notification_list", "networks:notification_settings",
    "networks:notification_unsubscribe", "networks:invitation_accept", "events:event_create",
    "events:personal_calendar",
}
# Views that show a members-only network by approval to signed-in non-members (its landing and joining): the only
# network-scoped ones allowed to reveal that it exists to people outside READERS_PRIVATE.
LANDING = {"networks:network_detail", "networks:join"}


def _url(name: str, world: World) -> str:
    kwargs: dict[str, Any] = {}
    if name == "networks:notification_unsubscribe":
        return _unsubscribe_path(world)
    if name == "networks:invitation_accept":
        kwargs["token"] = world.invitation_token
    elif name == "events:personal_calendar":
        kwargs["token"] = calendar_token(world.people["network_member"])
    elif name.startswith("networks:") and name not in NOT_NETWORK_SCOPED:
        kwargs["slug"] = world.network.slug
    if name == "networks:topic_detail":
        kwargs["pk"] = world.topic.pk
    if name in ("networks:post_revisions", "networks:post_edit"):
        kwargs["post_id"] = world.question.pk
    if name == "networks:post_flag":
        kwargs["post_id"] = world.reply.pk
    if name == "networks:member_manage":
        kwargs["membership_id"] = world.membership.pk
    if name.startswith("events:") and name not in NOT_NETWORK_SCOPED:
        kwargs["slug"] = world.event.slug
    return reverse(name, kwargs=kwargs)


def _client_for(person: str, world: World) -> Client:
    client = Client()
    user = world.people[person]
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("visibility", [Network.Visibility.MEMBERS, Network.Visibility.PUBLIC])
@pytest.mark.parametrize("person", PEOPLE)
def test_permission_matrix(visibility, person):
    world = _world(visibility)
    client = _client_for(person, world)
    failures = []
    for name, (private_rule, public_rule) in VIEWS.items():
        allowed = person in (private_rule if visibility == Network.Visibility.MEMBERS else public_rule)
        status = client.get(_url(name, world)).status_code
        if allowed and status != 200:
            failures.append(f"{name}: expected 200, got {status}")
        if not allowed:
            if status == 200:
                failures.append(f"{name}: expected denial, got 200")
            elif (visibility == Network.Visibility.MEMBERS and person not in READERS_PRIVATE
                  and name not in NOT_NETWORK_SCOPED | LANDING and status != 404
                  and not (person == "visitor" and status == 302)):
                # a visitor may be sent to log in first: that happens for any slug, so it reveals nothing
                failures.append(f"{name}: private content must be 404 (not revealed), got {status}")
    assert not failures, "\n".join(failures)


def test_every_view_of_the_networks_is_in_the_matrix():
    """A view added later must be given a row here (GET pages above, POST-only writes below)."""
    from django.urls import get_resolver

    names = set()
    for namespace in ("networks", "events"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    covered = set(VIEWS) | {write.view for write in WRITES}
    assert names - covered == set(), f"views without a row in the permission matrix: {sorted(names - covered)}"


def test_login_redirect_for_visitors_reveals_nothing(client):
    """A visitor sent to log in gets the same answer for a private network's page as for one that does not exist."""
    world = _world(Network.Visibility.MEMBERS)
    for name in ["networks:topic_create", "networks:moderation_queue", "networks:event_create"]:
        real = client.get(reverse(name, kwargs={"slug": world.network.slug})).status_code
        fake = client.get(reverse(name, kwargs={"slug": "no-such-network"})).status_code
        assert real == fake, name


# ---------------------------------------------------------------- writes (POST)


def _when(days: float) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


def _event_form(title: str) -> dict[str, str]:
    return {"title": title, "event_type": "workshop", "description": "Bring your budget.", "starts_at": _when(10),
            "ends_at": _when(10.1), "venue": "Pretoria", "province": "", "online_url": "", "capacity": "",
            "registration_deadline": "", "is_published": "on"}


@dataclass(frozen=True)
class Write:
    """One write: the view, the request (path and data, from the world), and for whom it takes effect on a
    members-only network and on a public one. `scoped`: the write belongs to the network, so people who may not
    read a members-only network must get 404 (not revealed). `visitor_statuses`: what a visitor may be answered."""

    label: str
    view: str
    request: Callable[[World], tuple[str, dict[str, Any]]]
    private_effect: set[str]
    public_effect: set[str]
    scoped: bool = True
    landing: bool = False  # sent from a members-only network's landing page: signed-in non-members are not 404'd
    visitor_statuses: tuple[int, ...] = (302, 400, 404)  # sent to log in, or refused


def _n(name: str, world: World, **kwargs: Any) -> str:
    return reverse(name, kwargs={"slug": world.network.slug, **kwargs})


def _unsubscribe_path(world: World, *, tampered: bool = False) -> str:
    token = make_unsubscribe_token(user_id=world.people["network_member"].pk, network_id=world.network.pk)
    if tampered:
        token = token[:-2] + "xx"
    return reverse("networks:notification_unsubscribe", kwargs={"token": token})


def _e(name: str, world: World) -> str:
    return reverse(name, kwargs={"slug": world.event.slug})


WRITES = [
    Write("join (ask to join)", "networks:join", lambda w: (_n("networks:join", w), {"message": "Please"}),
          SIGNED_IN - POSTERS, SIGNED_IN - POSTERS, landing=True),
    Write("leave", "networks:leave", lambda w: (_n("networks:leave", w), {}), POSTERS, POSTERS),
    Write("approve a join request", "networks:request_list",
          lambda w: (_n("networks:request_list", w), {"membership_id": w.pending.pk, "decision": "approve"}),
          MODERATORS, MODERATORS),
    Write("ban a member", "networks:member_manage",
          lambda w: (_n("networks:member_manage", w, membership_id=w.membership.pk), {"action": "ban"}),
          MODERATORS, MODERATORS),
    Write("invite", "networks:invite", lambda w: (_n("networks:invite", w), {"email": "someone@example.org"}),
          MODERATORS, MODERATORS),
    # the invitation was sent to invitee@example.org, which none of these people has: a forwarded link lets nobody
    # else in (tests/networks/test_membership.py has the invitee accepting)
    Write("accept an invitation sent to someone else", "networks:invitation_accept",
          lambda w: (reverse("networks:invitation_accept", kwargs={"token": w.invitation_token}), {}),
          NOBODY, NOBODY, scoped=False, visitor_statuses=(200,)),  # a visitor is asked to sign up or log in
    Write("accept a tampered invitation", "networks:invitation_accept",
          lambda w: (reverse("networks:invitation_accept", kwargs={"token": w.invitation_token + "x"}), {}),
          NOBODY, NOBODY, scoped=False),
    Write("start a topic", "networks:topic_create",
          lambda w: (_n("networks:topic_create", w), {"title": "Indigent register", "body": "How?"}), POSTERS, POSTERS),
    Write("reply", "networks:reply_create",
          lambda w: (_n("networks:reply_create", w, pk=w.topic.pk), {"body": "Like this."}), POSTERS, POSTERS),
    Write("pin a topic", "networks:topic_manage",
          lambda w: (_n("networks:topic_manage", w, pk=w.topic.pk), {"action": "pin"}), MODERATORS, MODERATORS),
    Write("turn a topic into a resource", "networks:topic_to_resource",
          lambda w: (_n("networks:topic_to_resource", w, pk=w.answered.pk), {}), MODERATORS, MODERATORS),
    Write("watch a topic", "networks:topic_watch",
          lambda w: (_n("networks:topic_watch", w, pk=w.topic.pk), {"frequency": "each"}), READERS_PRIVATE, SIGNED_IN),
    Write("edit the coordinator's post", "networks:post_edit",
          lambda w: (_n("networks:post_edit", w, post_id=w.question.pk), {"body": "Changed"}), MODERATORS, MODERATORS),
    Write("delete the network member's reply", "networks:post_delete",
          lambda w: (_n("networks:post_delete", w, post_id=w.reply.pk), {}),
          MEMBERS_AND_MODERATORS, MEMBERS_AND_MODERATORS),
    Write("mark the coordinator's post helpful", "networks:post_helpful",
          lambda w: (_n("networks:post_helpful", w, post_id=w.question.pk), {}), {"network_member"}, {"network_member"}),
    Write("accept an answer", "networks:post_accept",
          lambda w: (_n("networks:post_accept", w, post_id=w.reply.pk), {}), MODERATORS, MODERATORS),
    # the coordinator wrote the question, and nobody reports their own post
    Write("report a post", "networks:post_flag",
          lambda w: (_n("networks:post_flag", w, post_id=w.question.pk), {"reason": "spam"}),
          {"network_member"}, {"network_member"}),
    Write("hide a post", "networks:post_moderate",
          lambda w: (_n("networks:post_moderate", w, post_id=w.reply.pk), {"action": "hide"}), MODERATORS, MODERATORS),
    Write("mark the network member's notification read", "networks:notification_list",
          lambda w: (reverse("networks:notification_list"), {"notification": w.notification.pk}),
          {"network_member"}, {"network_member"}, scoped=False),
    Write("mark all one's notifications read", "networks:notification_list",
          lambda w: (reverse("networks:notification_list"), {"all": "1"}),
          {"network_member"}, {"network_member"}, scoped=False),
    Write("set the network's email frequency", "networks:notification_settings",
          lambda w: (reverse("networks:notification_settings"), {f"network_{w.network.pk}": "none"}),
          POSTERS, POSTERS, scoped=False),
    Write("unsubscribe with the network member's signed link", "networks:notification_unsubscribe",
          lambda w: (_unsubscribe_path(w), {}), EVERYONE, EVERYONE, scoped=False),
    Write("unsubscribe with a tampered link", "networks:notification_unsubscribe",
          lambda w: (_unsubscribe_path(w, tampered=True), {}), NOBODY, NOBODY, scoped=False),
    Write("create a network event", "networks:event_create",
          lambda w: (_n("networks:event_create", w), _event_form("Budget workshop")), MODERATORS, MODERATORS),
    Write("create a hub-wide event", "events:event_create",
          lambda w: (reverse("events:event_create"), _event_form("Hub workshop")),
          HUB_EVENT_MANAGERS, HUB_EVENT_MANAGERS, scoped=False),
    Write("edit the event", "events:event_edit",
          lambda w: (_e("events:event_edit", w), _event_form("Renamed meeting")), MODERATORS, MODERATORS),
    Write("register for the event", "events:event_register",
          lambda w: (_e("events:event_register", w), {}), {"coordinator", "staff", "administrator"},
          SIGNED_IN - {"network_member"}),  # the network member is registered already: nothing changes
    Write("cancel a registration", "events:event_cancel",
          lambda w: (_e("events:event_cancel", w), {}), {"network_member"}, {"network_member"}),
    Write("mark attendance", "events:attendee_list",
          lambda w: (_e("events:attendee_list", w), {"attended": [w.registration.pk]}), MODERATORS, MODERATORS),
]

SNAPSHOT_MODELS = [Network, Membership, Invitation, ForumTopic, Post, PostRevision, Reaction, Flag, Notification,
                   NotificationPreference, Event, Registration, Resource, AuditEntry]


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}


def _changes(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


@pytest.mark.parametrize("visibility", [Network.Visibility.MEMBERS, Network.Visibility.PUBLIC])
@pytest.mark.parametrize("write", WRITES, ids=[write.label for write in WRITES])
def test_writes_take_effect_only_for_those_allowed_and_denied_ones_change_nothing(write, visibility):
    world = _world(visibility)
    private = visibility == Network.Visibility.MEMBERS
    effect = write.private_effect if private else write.public_effect
    failures = []
    for person in PEOPLE:
        savepoint = transaction.savepoint()
        try:
            client = _client_for(person, world)
            path, data = write.request(world)
            before = _snapshot()
            status = client.post(path, data).status_code
            changed = _changes(before, _snapshot())
        finally:
            transaction.savepoint_rollback(savepoint)
        if person in effect and not changed:
            failures.append(f"{person}: expected the write to take effect, nothing changed (status {status})")
        if person not in effect and changed:
            failures.append(f"{person}: denied, yet changed {changed} (status {status})")
        if (write.scoped and not write.landing and private and person not in READERS_PRIVATE
                and person != "visitor" and status != 404):
            failures.append(f"{person}: private network must answer 404 (not revealed), got {status}")
        if person == "visitor" and person not in effect and status not in write.visitor_statuses:
            failures.append(f"visitor: expected one of {write.visitor_statuses}, got {status}")
    assert not failures, f"{write.label} ({visibility}):\n" + "\n".join(failures)
