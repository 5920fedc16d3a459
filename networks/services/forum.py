"""Writes for the network forums: topics, replies, edits with revisions, soft deletion, "helpful" reactions,
accepted answers, pin/lock/move, and turning a discussion into a draft resource.

Every write checks its permission here (views stay thin) and raises ForumError with a message fit for the person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hub.services.audit import record_audit
from networks.models import ForumTopic, Membership, Network, Post, PostRevision, Reaction
from resources.markdown import render_markdown

SEARCH_CONFIG = "hub_search"  # the text search configuration created by the resources migrations


class ForumError(Exception):
    """A forum action that is not allowed or not possible; str(error) is shown to the person."""


# --- who may do what (the rules live in networks.permissions; membership read uncached here for writes) ---

def active_membership(user: Any, network: Network) -> Membership | None:
    """The person's active, unbanned membership of `network`, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(network=network, user=user, status=Membership.Status.ACTIVE, is_banned=False)
        .first()
    )


def can_moderate(user: Any, network: Network) -> bool:
    """A coordinator of THIS network, or a site administrator (networks.permissions.can_moderate)."""
    from networks.permissions import can_moderate as permitted

    return permitted(user, network)


def _require_member(user: Any, network: Network) -> Membership:
    membership = active_membership(user, network)
    if membership is None:
        raise ForumError(_("Only active members of this network can post in its forum."))
    return membership


def _check_new_member_limit(membership: Membership, *, topics: bool) -> None:
    """During the first day of membership a person may start only a few topics and replies."""
    network = membership.network
    if membership.role == Membership.Role.COORDINATOR or membership.joined_at is None:
        return
    now = timezone.now()
    if membership.joined_at <= now - timedelta(days=1):
        return
    since = now - timedelta(days=1)
    posts = Post.objects.filter(topic__network=network, author=membership.user, created_at__gte=since)
    if topics:
        limit = network.new_member_daily_topic_limit
        count = ForumTopic.objects.filter(network=network, author=membership.user, created_at__gte=since).count()
        if count >= limit:
            raise ForumError(
                _("New members can start %(limit)d topics in their first day. Please try again tomorrow.")
                % {"limit": limit}
            )
    else:
        limit = network.new_member_daily_reply_limit
        started = ForumTopic.objects.filter(network=network, author=membership.user, created_at__gte=since).count()
        count = posts.count() - started
        if count >= limit:
            raise ForumError(
                _("New members can post %(limit)d replies in their first day. Please try again tomorrow.")
                % {"limit": limit}
            )


def _needs_premoderation(membership: Membership) -> bool:
    return (
        membership.role != Membership.Role.COORDINATOR
        and membership.approved_post_count < membership.network.premoderate_first_posts
    )


def update_post_search(post_id: int) -> None:
    """Recompute a post's search vector (its body)."""
    Post.objects.filter(pk=post_id).update(search_vector=SearchVector("body", config=SEARCH_CONFIG))


def update_topic_search(topic_id: int) -> None:
    """Recompute a topic's search vector (its title, weighted above the posts)."""
    ForumTopic.objects.filter(pk=topic_id).update(
        search_vector=SearchVector("title", config=SEARCH_CONFIG, weight="A")
    )


def _enqueue_fanout(post_id: int) -> None:
    """After commit, hand notification fan-out to the background task (networks.tasks, when it exists)."""

    def send() -> None:
        try:
            from networks.tasks import notify_post_task
        except ImportError:  # the notifications part is not installed: nothing to send
            return
        notify_post_task.enqueue(post_id=post_id)

    transaction.on_commit(send)


def render_post_body(body: str, network: Network) -> str:
    """Markdown -> sanitised HTML, with @mentions of the network's members linked (networks.mentions)."""
    html = render_markdown(body)
    try:
        from networks import mentions
    except ImportError:
        return html
    render = getattr(mentions, "render_mentions", None)
    if render is None:
        return html
    return render(html, network=network)


def _make_post(*, topic: ForumTopic, author: Any, body: str, membership: Membership, quoted_post: Post | None) -> Post:
    pending = _needs_premoderation(membership)
    post = Post.objects.create(
        topic=topic,
        author=author,
        body=body,
        body_html=render_post_body(body, topic.network),
        quoted_post=quoted_post,
        moderation=Post.Moderation.PENDING if pending else Post.Moderation.VISIBLE,
    )
    update_post_search(post.pk)
    if not pending:
        Membership.objects.filter(pk=membership.pk).update(approved_post_count=F("approved_post_count") + 1)
        _enqueue_fanout(post.pk)
    return post


def create_topic(*, network: Network, author: Any, title: str, body: str) -> ForumTopic:
    """Start a discussion: the topic and its opening post. Pre-moderated for a new member's first posts."""
    membership = _require_member(author, network)
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ForumError(_("Enter a title and your question."))
    with transaction.atomic():
        _check_new_member_limit(membership, topics=True)
        now = timezone.now()
        topic = ForumTopic.objects.create(
            network=network, title=title, slug=slugify(title)[:220] or "topic", author=author,
            created_at=now, last_post_at=now,
        )
        post = _make_post(topic=topic, author=author, body=body, membership=membership, quoted_post=None)
        Post.objects.filter(pk=post.pk).update(created_at=now)
        update_topic_search(topic.pk)
    return topic


def create_reply(*, topic: ForumTopic, author: Any, body: str, quoted_post: Post | None = None) -> Post:
    """Reply to a topic. Refused on a locked or deleted topic and for anyone not an active member."""
    network = topic.network
    membership = _require_member(author, network)
    if topic.is_deleted:
        raise ForumError(_("This discussion has been deleted."))
    if topic.is_locked and not can_moderate(author, network):
        raise ForumError(_("This discussion is locked: no new replies."))
    body = body.strip()
    if not body:
        raise ForumError(_("Enter your reply."))
    if quoted_post is not None and (quoted_post.topic_id != topic.pk or quoted_post.is_deleted):
        quoted_post = None
    with transaction.atomic():
        _check_new_member_limit(membership, topics=False)
        post = _make_post(topic=topic, author=author, body=body, membership=membership, quoted_post=quoted_post)
        if post.moderation == Post.Moderation.VISIBLE:
            ForumTopic.objects.filter(pk=topic.pk).update(
                reply_count=F("reply_count") + 1, last_post_at=post.created_at
            )
    return post


def can_edit_post(user: Any, post: Post) -> bool:
    if not getattr(user, "is_authenticated", False) or post.is_deleted:
        return False
    if can_moderate(user, post.topic.network):
        return True
    return post.author_id == user.pk and active_membership(user, post.topic.network) is not None and not post.topic.is_locked


def edit_post(*, post: Post, editor: Any, body: str) -> Post:
    """Change a post's text, keeping the previous text as a PostRevision (visible to coordinators)."""
    if not can_edit_post(editor, post):
        raise ForumError(_("You cannot edit this post."))
    body = body.strip()
    if not body:
        raise ForumError(_("Enter the text of the post."))
    if body == post.body:
        return post
    with transaction.atomic():
        PostRevision.objects.create(post=post, body=post.body, edited_by=editor)
        post.body = body
        post.body_html = render_post_body(body, post.topic.network)
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "body_html", "edited_at"])
        update_post_search(post.pk)
    return post


def _is_opening_post(post: Post) -> bool:
    first_id = Post.objects.filter(topic_id=post.topic_id).order_by("created_at", "id").values_list("id", flat=True).first()
    return first_id == post.pk


def delete_post(*, post: Post, acting_user: Any) -> Post:
    """Soft delete: the post shows as "This post was deleted". Its author or a coordinator."""
    network = post.topic.network
    moderator = can_moderate(acting_user, network)
    if not (moderator or (getattr(acting_user, "is_authenticated", False) and post.author_id == acting_user.pk)):
        raise ForumError(_("You cannot delete this post."))
    if post.is_deleted:
        return post
    with transaction.atomic():
        was_counted = post.moderation == Post.Moderation.VISIBLE and not _is_opening_post(post)
        post.is_deleted = True
        post.deleted_at = timezone.now()
        post.deleted_by = acting_user
        post.save(update_fields=["is_deleted", "deleted_at", "deleted_by"])
        if was_counted:
            ForumTopic.objects.filter(pk=post.topic_id, reply_count__gt=0).update(reply_count=F("reply_count") - 1)
        if post.topic.accepted_post_id == post.pk:
            ForumTopic.objects.filter(pk=post.topic_id).update(accepted_post=None)
        if moderator and post.author_id != acting_user.pk:
            record_audit(actor=acting_user, action="networks.post_deleted", target=post,
                         summary=f"Deleted post {post.pk} in topic {post.topic_id}")
    return post


def mark_helpful(*, post: Post, user: Any) -> bool:
    """Record a "helpful" reaction once per person per post; True if it was new. Not on one's own post."""
    if active_membership(user, post.topic.network) is None:
        raise ForumError(_("Only members of this network can mark posts as helpful."))
    if post.author_id == user.pk:
        raise ForumError(_("You cannot mark your own post as helpful."))
    if post.is_deleted or post.moderation != Post.Moderation.VISIBLE:
        raise ForumError(_("This post cannot be marked as helpful."))
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, user=user)
            Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        return False
    return True


def can_accept(user: Any, topic: ForumTopic) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return can_moderate(user, topic.network) or (
        topic.author_id == user.pk and active_membership(user, topic.network) is not None
    )


def accept_answer(*, post: Post, acting_user: Any) -> ForumTopic:
    """Mark a reply as the accepted answer (the topic's author or a coordinator); its author is notified
    (networks.services.notifications.notify_answer_accepted)."""
    topic = post.topic
    if not can_accept(acting_user, topic):
        raise ForumError(_("Only the person who asked or a coordinator can accept an answer."))
    if post.is_deleted or post.moderation != Post.Moderation.VISIBLE or _is_opening_post(post):
        raise ForumError(_("This post cannot be the accepted answer."))
    if topic.accepted_post_id == post.pk:
        return topic  # accepting it again changes nothing and tells nobody twice
    from networks.services.notifications import notify_answer_accepted

    with transaction.atomic():
        topic.accepted_post = post
        topic.save(update_fields=["accepted_post"])
        notify_answer_accepted(post=post, acting_user=acting_user)
    return topic


def _require_moderator(user: Any, network: Network) -> None:
    if not can_moderate(user, network):
        raise ForumError(_("Only a coordinator of this network can do that."))


def set_topic_flags(*, topic: ForumTopic, acting_user: Any, pinned: bool | None = None, locked: bool | None = None) -> ForumTopic:
    """Pin/unpin or lock/unlock a topic (coordinators). Audit-logged."""
    _require_moderator(acting_user, topic.network)
    before = {"is_pinned": topic.is_pinned, "is_locked": topic.is_locked}
    if pinned is not None:
        topic.is_pinned = pinned
    if locked is not None:
        topic.is_locked = locked
    with transaction.atomic():
        topic.save(update_fields=["is_pinned", "is_locked"])
        record_audit(actor=acting_user, action="networks.topic_changed", target=topic, summary=topic.title[:200],
                     before=before, after={"is_pinned": topic.is_pinned, "is_locked": topic.is_locked})
    return topic


def move_topic(*, topic: ForumTopic, acting_user: Any, target: Network) -> ForumTopic:
    """Move a topic to another network; the coordinator must coordinate both."""
    _require_moderator(acting_user, topic.network)
    if not can_moderate(acting_user, target):
        raise ForumError(_("You can only move a discussion to a network you coordinate."))
    if target.pk == topic.network_id:
        return topic
    with transaction.atomic():
        before = {"network": topic.network.slug}
        topic.network = target
        topic.save(update_fields=["network"])
        record_audit(actor=acting_user, action="networks.topic_moved", target=topic, summary=topic.title[:200],
                     before=before, after={"network": target.slug})
    return topic


def topic_to_resource(*, topic: ForumTopic, acting_user: Any, site_url: str = "") -> Any:
    """Turn a topic with an accepted answer into a DRAFT resource (title, summary, body from the question and the
    answer, credits to both authors, a link back). It then goes through the resource centre's review."""
    from resources.models import Resource
    from resources.services.publishing import create_resource

    _require_moderator(acting_user, topic.network)
    if topic.accepted_post_id is None:
        raise ForumError(_("A discussion needs an accepted answer before it can become a resource."))
    if topic.knowledge_resource_id is not None:
        raise ForumError(_("This discussion has already been turned into a resource."))
    question = Post.objects.filter(topic=topic).select_related("author").order_by("created_at", "id").first()
    answer = Post.objects.select_related("author").get(pk=topic.accepted_post_id)
    authors = [user for user in (topic.author, answer.author) if user is not None]
    authors = list({user.pk: user for user in authors}.values())
    names = ", ".join(user.full_name or user.email for user in authors)
    link = f"{site_url}{topic.get_absolute_url()}"
    body = "\n\n".join([
        "## " + _("The question"), question.body if question else "",
        "## " + _("The accepted answer"), answer.body,
        "---",
        _("From the discussion “%(title)s” in the %(network)s forum: %(link)s")
        % {"title": topic.title, "network": topic.network.name, "link": link},
        _("Credits: %(names)s.") % {"names": names},
    ])
    summary = (_("Question and accepted answer from the %(network)s: %(title)s")
               % {"network": topic.network.name, "title": topic.title})[:500]
    visibility = (Resource.Visibility.PUBLIC if topic.network.visibility == Network.Visibility.PUBLIC
                  else Resource.Visibility.MEMBERS)
    with transaction.atomic():
        resource = create_resource(
            acting_user=acting_user,
            data={
                "title": topic.title[:250], "summary": summary, "body": body,
                "resource_type": Resource.ResourceType.CASE_STUDY, "visibility": visibility,
                "authors": authors, "external_url": link[:1000] if site_url else "",
            },
            submit=False,
        )
        ForumTopic.objects.filter(pk=topic.pk).update(knowledge_resource=resource)
        topic.knowledge_resource = resource
        record_audit(actor=acting_user, action="networks.topic_to_resource", target=topic,
                     summary=f"{topic.title[:150]} -> resource {resource.pk}", after={"resource": resource.pk})
    return resource
