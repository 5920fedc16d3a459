"""Reads for the network forums: topic lists, the topic page (a fixed number of queries whatever its length),
forum search and the moderation queue. Visibility always goes through the models' visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from networks.models import Flag, ForumTopic, Membership, Network, NotificationPreference, Post, Reaction
from networks.services.forum import SEARCH_CONFIG

POSTS_PER_PAGE = 20
TOPICS_PER_PAGE = 25


def network_for(user: Any, slug: str) -> Network:
    """The network if `user` may read it, else 404 (members-only networks are not revealed)."""
    return get_object_or_404(Network.objects.visible_to(user), slug=slug)


def viewer_membership(user: Any, network: Network) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(network=network, user=user).first()


def viewer_membership_and_coordinated(user: Any, network: Network) -> tuple[Membership | None, list[Network]]:
    """In one query: the person's membership of `network` and the other networks they coordinate (move targets)."""
    if not getattr(user, "is_authenticated", False):
        return None, []
    rows = list(
        Membership.objects.filter(user=user).filter(
            Q(network=network)
            | Q(role=Membership.Role.COORDINATOR, status=Membership.Status.ACTIVE, is_banned=False, network__is_active=True)
        ).select_related("network")
    )
    membership = next((m for m in rows if m.network_id == network.pk), None)
    others = sorted((m.network for m in rows if m.network_id != network.pk), key=lambda n: n.name)
    return membership, others


def is_moderator(user: Any, membership: Membership | None) -> bool:
    """can_moderate() from an already-loaded membership (no extra query)."""
    from hub.permissions import is_site_administrator

    if is_site_administrator(user):
        return True
    return bool(membership and membership.is_coordinator and not membership.is_banned)


def topics_for(user: Any, network: Network, *, moderator: bool = False) -> QuerySet[ForumTopic]:
    """The network's topics `user` may see, pinned first then latest activity. Topics whose opening post still waits
    for a coordinator are shown only to coordinators and their author."""
    topics = ForumTopic.objects.visible_to(user).filter(network=network)
    if not moderator:
        has_visible = Exists(Post.objects.filter(topic=OuterRef("pk"), moderation=Post.Moderation.VISIBLE))
        own = Q(author=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
        topics = topics.filter(has_visible | own)
    return topics.select_related("author", "network").order_by("-is_pinned", "-last_post_at", "-id")


def search_topics(user: Any, network: Network, query: str) -> QuerySet[ForumTopic]:
    """Topics of the network matching `query` (web-search syntax) in their title or any visible post."""
    query = "".join(ch for ch in query if ch.isprintable())[:200].strip()
    if not query:
        return ForumTopic.objects.none()
    tsquery = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    matching_posts = Post.objects.filter(
        topic=OuterRef("pk"), moderation=Post.Moderation.VISIBLE, is_deleted=False, search_vector=tsquery
    )
    return topics_for(user, network).filter(Q(search_vector=tsquery) | Exists(matching_posts))


@dataclass
class TopicPage:
    topic: ForumTopic
    question: Post | None
    accepted: Post | None
    page: Page
    helpful_ids: set[int] = field(default_factory=set)
    membership: Membership | None = None
    moderator: bool = False
    watch: dict[str, str] | None = None  # {"email_frequency": ...} while the viewer watches the topic


def accepted_answer_counts(network: Network, user_ids: Any = None) -> dict[int, int]:
    """How many accepted answers each person has given in the network's forum (one query). Deleted topics and
    deleted answers do not count. `user_ids` limits it to those people."""
    topics = ForumTopic.objects.filter(network=network, is_deleted=False, accepted_post__is_deleted=False)
    if user_ids is not None:
        topics = topics.filter(accepted_post__author_id__in=list(user_ids))
    rows = topics.values("accepted_post__author_id").annotate(answers=Count("id")).order_by()
    return {row["accepted_post__author_id"]: row["answers"] for row in rows if row["accepted_post__author_id"]}


def _post_queryset() -> QuerySet[Post]:
    """Posts as the topic page shows them: with authors and quoted posts, without what it never reads (the search
    vectors, each post's Markdown source, a quoted post's HTML, the authors' password hashes)."""
    return Post.objects.select_related("author", "quoted_post", "quoted_post__author").defer(
        "search_vector", "body", "quoted_post__search_vector", "quoted_post__body_html",
        "author__password", "quoted_post__author__password",
    )


def topic_page(user: Any, network: Network, pk: int, page_number: Any, membership: Membership | None) -> TopicPage:
    """Everything the topic page shows, in a bounded number of queries: the topic, its question, the accepted answer,
    one page of replies (with authors and quoted posts), which of them the viewer found helpful, whether the viewer
    watches the topic, and how many accepted answers each author shown has given in this network."""
    moderator = is_moderator(user, membership)
    topics = ForumTopic.objects.visible_to(user).filter(network=network).select_related("author", "knowledge_resource")
    signed_in = getattr(user, "is_authenticated", False)
    if signed_in:  # the viewer's watch of the topic, in the same query as the topic
        topics = topics.annotate(viewer_watch=Subquery(
            NotificationPreference.objects.filter(user=user, topic=OuterRef("pk")).values("email_frequency")[:1]))
    topic = get_object_or_404(topics, pk=pk)
    topic.network = network  # already loaded: get_absolute_url() needs no query
    posts = _post_queryset().filter(topic=topic)
    if signed_in:  # "did I find this helpful" in the same query as the posts
        posts = posts.annotate(found_helpful=Exists(Reaction.objects.filter(post=OuterRef("pk"), user=user)))
    if not moderator:
        own = Q(author=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
        posts = posts.filter(Q(moderation=Post.Moderation.VISIBLE) | own)
    # The opening post and the accepted answer in one query.
    opening_id = Post.objects.filter(topic=topic).order_by("created_at", "id").values("id")[:1]
    # (a scalar subquery, not IN: PostgreSQL then looks both up by primary key instead of scanning the topic)
    heads = {p.pk: p for p in posts.filter(Q(pk=Subquery(opening_id)) | Q(pk=topic.accepted_post_id or 0, is_deleted=False))}
    question = next((p for pk, p in heads.items() if pk != topic.accepted_post_id), None)
    if question is None:
        raise Http404
    accepted = heads.get(topic.accepted_post_id) if topic.accepted_post_id else None
    replies = posts.exclude(pk=question.pk).order_by("created_at", "id")
    # Paginate the bare rows, then load authors, quotes and reactions for the page's rows only: with the joins in
    # the paginated query itself, PostgreSQL joins every row it skips with OFFSET (thousands on the last page).
    paginator = Paginator(replies.values("pk"), POSTS_PER_PAGE)
    page = paginator.get_page(paginator.num_pages if page_number == "last" else page_number)
    if paginator.count:
        on_page = replies.values("pk")[page.start_index() - 1:page.end_index()]
        page.object_list = list(replies.filter(pk__in=on_page))
    else:
        page.object_list = []
    shown = [*page.object_list, *([accepted] if accepted else []), question]
    helpful_ids = {p.pk for p in shown if getattr(p, "found_helpful", False)}
    shown_authors = {p.author_id for p in shown if p.author_id}
    accepted_counts = accepted_answer_counts(network, shown_authors) if shown_authors else {}
    for post in shown:  # shown beside the author's name (post_item.html)
        post.author_accepted_count = accepted_counts.get(post.author_id, 0)
    watch_frequency = getattr(topic, "viewer_watch", None)
    return TopicPage(topic=topic, question=question, accepted=accepted, page=page, helpful_ids=helpful_ids,
                     membership=membership, moderator=moderator,
                     watch={"email_frequency": watch_frequency} if watch_frequency else None)


def moderation_queue(network: Network) -> dict[str, Any]:
    """Open flags (with their posts) and posts waiting for approval in `network`."""
    flags = list(
        Flag.objects.filter(post__topic__network=network, status=Flag.Status.OPEN)
        .select_related("post", "post__author", "post__topic", "post__topic__network", "reporter").order_by("created_at")
    )
    pending = list(
        Post.objects.filter(topic__network=network, moderation=Post.Moderation.PENDING, is_deleted=False)
        .select_related("author", "topic", "topic__network").order_by("created_at")
    )
    hidden = list(
        Post.objects.filter(topic__network=network, moderation=Post.Moderation.HIDDEN, is_deleted=False)
        .select_related("author", "topic", "topic__network").order_by("-created_at")[:50]
    )
    return {"flags": flags, "pending": pending, "hidden": hidden}


def moderated_networks(user: Any) -> QuerySet[Network]:
    """Networks `user` may moderate (targets for moving a topic)."""
    from hub.permissions import is_site_administrator

    networks = Network.objects.active()
    if is_site_administrator(user):
        return networks
    return networks.filter(
        memberships__user=user, memberships__status=Membership.Status.ACTIVE,
        memberships__role=Membership.Role.COORDINATOR, memberships__is_banned=False,
    )
