"""Factories and helpers for the networks tests: networks, memberships and people in given roles."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from hub.models import Profile
from networks.models import Membership, Network
from tests.factories import UserFactory, organisation_for


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Learning network {n}")
    slug = factory.Sequence(lambda n: f"learning-network-{n}")
    description = "Officials learning from each other."
    purpose = "Share what works."
    visibility = Network.Visibility.PUBLIC
    join_policy = Network.JoinPolicy.OPEN


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    network = factory.SubFactory(NetworkFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER
    status = Membership.Status.ACTIVE
    joined_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    approved_post_count = 100


def make_member(network: Network, role: str = Membership.Role.MEMBER, user=None, municipality_code: str | None = None,
                **kwargs):
    """A saved user who is an active member (or coordinator) of `network`; returns the user."""
    user = user or UserFactory()
    if municipality_code:
        profile, _ = Profile.objects.get_or_create(user=user)
        profile.organisation = organisation_for(municipality_code)
        profile.affiliation_status = Profile.Affiliation.VERIFIED
        profile.save()
    MembershipFactory(network=network, user=user, role=role, **kwargs)
    return user


def make_coordinator(network: Network, user=None, **kwargs):
    return make_member(network, role=Membership.Role.COORDINATOR, user=user, **kwargs)
