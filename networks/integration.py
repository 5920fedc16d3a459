"""How networks plug into hub pages: site search (topics and events), home sections (active discussions, upcoming
events), municipality sections (networks its officials take part in), "download my data" (posts, memberships,
registrations, notifications), demo data, and completing an invitation after sign-up and log-in.

Every list here is built with visible_to(user), so members-only network content never leaks."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import registry
from hub.registry import DataRightsPart, DemoSeeder, PageSection, SearchGroup, SearchResult

HOME_LIMIT = 5


class TopicSearchProvider:
    """Forum topics in site search, only from networks the person may read."""

    key = "network_topics"
    label = _("Discussions")

    def search(self, *, user: Any, query: str, limit: int) -> SearchGroup:
        from networks.models import ForumTopic

        topics = ForumTopic.objects.visible_to(user).select_related("network")
        search_query = SearchQuery(query, config="hub_search", search_type="websearch")
        matches = topics.filter(Q(search_vector=search_query) | Q(title__icontains=query)).annotate(
            rank=SearchRank("search_vector", search_query)
        ).order_by("-rank", "-last_post_at")
        total = matches.count()
        results = [
            SearchResult(title=topic.title, url=topic.get_absolute_url(), meta=topic.network.name)
            for topic in matches[:limit]
        ]
        return SearchGroup(key=self.key, label=str(self.label), results=results, total=total)


class EventSearchProvider:
    """Events in site search, only those the person may see."""

    key = "events"
    label = _("Events")

    def search(self, *, user: Any, query: str, limit: int) -> SearchGroup:
        from networks.models import Event

        matches = (
            Event.objects.visible_to(user)
            .filter(Q(title__icontains=query) | Q(description__icontains=query) | Q(venue__icontains=query))
            .select_related("network")
            .order_by("-starts_at")
        )
        total = matches.count()
        results = [
            SearchResult(
                title=event.title, url=event.get_absolute_url(),
                meta=f"{timezone.localtime(event.starts_at):%d %b %Y}" + (f" · {event.network.name}" if event.network else ""),
            )
            for event in matches[:limit]
        ]
        return SearchGroup(key=self.key, label=str(self.label), results=results, total=total)


def render_home_networks(request: Any, **context: Any) -> str:
    """Home page: active discussions and upcoming events the person may see."""
    from networks.models import Event, ForumTopic

    topics = list(ForumTopic.objects.visible_to(request.user).select_related("network").order_by("-last_post_at")[:HOME_LIMIT])
    events = list(Event.objects.visible_to(request.user).upcoming().select_related("network")[:HOME_LIMIT])
    if not topics and not events:
        return ""
    return render_to_string("networks/includes/home_networks.html", {"topics": topics, "events": events}, request=request)


def render_municipality_networks(request: Any, *, municipality: Any, **context: Any) -> str:
    """Municipality page: the networks (visible to the person) its officials take part in."""
    from networks.models import Membership, Network

    networks = list(
        Network.objects.visible_to(request.user).filter(
            memberships__status=Membership.Status.ACTIVE,
            memberships__user__profile__organisation__municipality=municipality,
        ).distinct().order_by("name")
    )
    if not networks:
        return ""
    return render_to_string(
        "networks/includes/municipality_networks.html", {"networks": networks, "municipality": municipality},
        request=request,
    )


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def export_network_data(user: Any) -> dict[str, Any]:
    """The person's part of "download my data": memberships, posts, event registrations and notifications."""
    from networks.models import Membership, Notification, Post, Registration

    return {
        "memberships": [
            {"network": m.network.name, "role": m.role, "status": m.status, "requested_at": _iso(m.requested_at),
             "joined_at": _iso(m.joined_at), "ended_at": _iso(m.ended_at)}
            for m in Membership.objects.filter(user=user).select_related("network").order_by("requested_at")
        ],
        "posts": [
            {"network": p.topic.network.name, "topic": p.topic.title, "body": p.body, "created_at": _iso(p.created_at),
             "edited_at": _iso(p.edited_at), "deleted": p.is_deleted}
            for p in Post.objects.filter(author=user).select_related("topic__network").order_by("created_at")
        ],
        "event_registrations": [
            {"event": r.event.title, "starts_at": _iso(r.event.starts_at), "status": r.status}
            for r in Registration.objects.filter(user=user).select_related("event").order_by("pk")
        ],
        "notifications": [
            {"text": n.text, "url": n.url, "created_at": _iso(n.created_at), "read_at": _iso(n.read_at)}
            for n in Notification.objects.filter(user=user).order_by("created_at")
        ],
    }


def erase_network_data(user: Any) -> None:
    """Account deletion: memberships, registrations, notifications and preferences go; posts stay in the forum,
    attributed to "Former member" by hub."""
    from networks.models import Membership, Notification, NotificationPreference, Registration

    Membership.objects.filter(user=user).delete()
    Registration.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()


def complete_invitation_after_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A person who followed an invitation link before having an account: the token waited in the session through
    sign-up and verification; join now that they are logged in."""
    from django.contrib import messages

    from networks.services.membership import SESSION_INVITATION_KEY, MembershipError, accept_invitation

    session = getattr(request, "session", None)
    token = session.get(SESSION_INVITATION_KEY) if session is not None else None
    if not token:
        return
    try:
        membership = accept_invitation(user=user, token=token)
    except MembershipError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("You joined %(network)s.") % {"network": membership.network.name})
    session.pop(SESSION_INVITATION_KEY, None)


def _seed_demo(stdout: Any) -> list[tuple[str, str]]:
    from networks.demo import seed_networks_demo

    return seed_networks_demo(stdout=stdout)


def register() -> None:
    """Called from NetworksConfig.ready()."""
    from django.contrib.auth.signals import user_logged_in

    registry.register_search_provider(TopicSearchProvider())
    registry.register_search_provider(EventSearchProvider())
    registry.register_home_section(PageSection(key="networks.activity", order=40, render=render_home_networks))
    registry.register_municipality_section(
        PageSection(key="networks.taking_part", order=40, render=render_municipality_networks)
    )
    registry.register_data_rights_part(
        DataRightsPart(key="networks", export=export_network_data, erase=erase_network_data)
    )
    registry.register_demo_seeder(DemoSeeder(key="networks", order=40, seed=_seed_demo))
    user_logged_in.connect(complete_invitation_after_login, dispatch_uid="networks_invitation_after_login")
