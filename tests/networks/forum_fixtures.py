"""Small builders for the forum tests (independent of tests/networks/factories.py so they run on their own)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from networks.models import Membership, Network
from tests.factories import UserFactory

_counter = itertools.count(1)


def make_network(**kwargs) -> Network:
    n = next(_counter)
    defaults = {"name": f"Forum network {n}", "slug": f"forum-network-{n}", "description": "A network for tests."}
    defaults.update(kwargs)
    return Network.objects.create(**defaults)


def join(network: Network, user=None, *, role: str = Membership.Role.MEMBER, days_ago: int = 30,
         status: str = Membership.Status.ACTIVE) -> Membership:
    user = user or UserFactory()
    return Membership.objects.create(
        network=network, user=user, role=role, status=status, joined_at=timezone.now() - timedelta(days=days_ago),
        approved_post_count=100,
    )


def member(network: Network, **kwargs):
    return join(network, **kwargs).user


def coordinator(network: Network):
    return join(network, role=Membership.Role.COORDINATOR).user
