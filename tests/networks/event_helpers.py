"""Small builders for the events tests (independent of tests/networks/factories.py, which n1 owns)."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from resources.markdown import render_markdown
from networks.models import Event, Membership, Network
from tests.factories import make_user_with_role

_counter = itertools.count(1)


def make_network(*, visibility: str = Network.Visibility.PUBLIC, **fields) -> Network:
    number = next(_counter)
    return Network.objects.create(
        name=fields.pop("name", f"Network {number}"),
        slug=fields.pop("slug", f"network-{number}"),
        description="A learning network.",
        visibility=visibility,
        **fields,
    )


def make_event(*, network: Network | None = None, days: float = 7, hours: float = 2, **fields) -> Event:
    number = next(_counter)
    if fields.get("description"):
        fields["description_html"] = render_markdown(fields["description"])
    starts = fields.pop("starts_at", timezone.now() + datetime.timedelta(days=days))
    return Event.objects.create(
        network=network,
        title=fields.pop("title", f"Event {number}"),
        slug=fields.pop("slug", f"event-{number}"),
        event_type=fields.pop("event_type", Event.EventType.WORKSHOP),
        starts_at=starts,
        ends_at=fields.pop("ends_at", starts + datetime.timedelta(hours=hours)),
        venue=fields.pop("venue", "Birchwood Conference Centre"),
        **fields,
    )


def make_person(role: str = "member", **fields):
    return make_user_with_role(role, **fields)


def join(network: Network, user, *, role: str = Membership.Role.MEMBER) -> Membership:
    return Membership.objects.create(
        network=network, user=user, role=role, status=Membership.Status.ACTIVE, joined_at=timezone.now()
    )


def make_coordinator(network: Network):
    user = make_person("member")
    join(network, user, role=Membership.Role.COORDINATOR)
    return user
