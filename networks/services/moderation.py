"""Writes for forum moderation: flags, the coordinators' queue actions (hide, restore, approve, warn, remove a
member). Coordinators of one network have no powers in another; every action is audit-logged."""

from __future__ import annotations

from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.services.audit import record_audit
from networks.models import Flag, ForumTopic, Membership, Notification, Post
from networks.services.forum import ForumError, _enqueue_fanout, active_membership, can_moderate


def flag_post(*, post: Post, reporter: Any, reason: str, details: str = "") -> Flag:
    """Report a post to the coordinators. One open flag per person per post."""
    if active_membership(reporter, post.topic.network) is None:
        raise ForumError(_("Only members of this network can report posts."))
    if post.author_id is not None and post.author_id == reporter.pk:
        raise ForumError(_("You cannot report your own post. Edit or delete it instead."))
    if reason not in Flag.Reason.values:
        raise ForumError(_("Choose a reason."))
    try:
        with transaction.atomic():
            return Flag.objects.create(post=post, reporter=reporter, reason=reason, details=details.strip()[:1000])
    except IntegrityError:
        raise ForumError(_("You have already reported this post; a coordinator will look at it.")) from None


def _require(user: Any, post: Post) -> None:
    if not can_moderate(user, post.topic.network):
        raise ForumError(_("Only a coordinator of this network can do that."))


def _close_flags(post: Post, user: Any, status: str) -> None:
    Flag.objects.filter(post=post, status=Flag.Status.OPEN).update(
        status=status, resolved_by=user, resolved_at=timezone.now()
    )


def _recount(topic_id: int) -> None:
    first = Post.objects.filter(topic_id=topic_id).order_by("created_at", "id").values_list("id", flat=True).first()
    count = Post.objects.filter(topic_id=topic_id, moderation=Post.Moderation.VISIBLE, is_deleted=False).exclude(pk=first).count()
    ForumTopic.objects.filter(pk=topic_id).update(reply_count=count)


def hide_post(*, post: Post, acting_user: Any, note: str = "") -> Post:
    """Hide a post from everyone but coordinators; its open flags are actioned."""
    return _moderate(post, acting_user, Post.Moderation.HIDDEN, Flag.Status.ACTIONED, "networks.post_hidden", note)


def restore_post(*, post: Post, acting_user: Any, note: str = "") -> Post:
    """Show a hidden post again (or dismiss the flags on a visible one)."""
    return _moderate(post, acting_user, Post.Moderation.VISIBLE, Flag.Status.DISMISSED, "networks.post_restored", note)


def _moderate(post: Post, acting_user: Any, moderation: str, flag_status: str, action: str, note: str) -> Post:
    _require(acting_user, post)
    with transaction.atomic():
        post.moderation = moderation
        post.save(update_fields=["moderation"])
        _close_flags(post, acting_user, flag_status)
        _recount(post.topic_id)
        record_audit(actor=acting_user, action=action, target=post, summary=note[:200])
    return post


def approve_post(*, post: Post, acting_user: Any) -> Post:
    """Approve a pre-moderated post: it becomes visible and counts toward the author's approved posts."""
    _require(acting_user, post)
    if post.moderation != Post.Moderation.PENDING:
        raise ForumError(_("This post is not waiting for approval."))
    with transaction.atomic():
        post.moderation = Post.Moderation.VISIBLE
        post.save(update_fields=["moderation"])
        Membership.objects.filter(network=post.topic.network, user_id=post.author_id).update(
            approved_post_count=F("approved_post_count") + 1
        )
        ForumTopic.objects.filter(pk=post.topic_id, last_post_at__lt=post.created_at).update(last_post_at=post.created_at)
        _recount(post.topic_id)
        record_audit(actor=acting_user, action="networks.post_approved", target=post)
        _enqueue_fanout(post.pk)
    return post


def warn_author(*, post: Post, acting_user: Any, message: str) -> Notification | None:
    """Warn a post's author: an in-app notification and an email."""
    _require(acting_user, post)
    author = post.author
    if author is None:
        raise ForumError(_("This post has no author to warn."))
    message = message.strip() or _("Please keep to the network's guidelines.")
    network = post.topic.network
    text = _("A coordinator of %(network)s has warned you about a post: %(message)s") % {
        "network": network.name, "message": message}
    with transaction.atomic():
        notification = Notification.objects.create(
            user=author, kind=Notification.Kind.MODERATION, actor=acting_user, network=network, topic=post.topic,
            post=post, text=text[:300], url=post.topic.get_absolute_url(),
        )
        _close_flags(post, acting_user, Flag.Status.ACTIONED)
        record_audit(actor=acting_user, action="networks.member_warned", target=post, summary=message[:200])
        transaction.on_commit(lambda: send_mail(
            _("A message from the coordinators of %(network)s") % {"network": network.name},
            text, None, [author.email],
        ))
    return notification


def remove_author(*, post: Post, acting_user: Any, reason: str = "") -> None:
    """Remove the post's author from the network (through the membership service when present)."""
    _require(acting_user, post)
    network = post.topic.network
    membership = Membership.objects.filter(network=network, user_id=post.author_id).first()
    if membership is None or membership.status != Membership.Status.ACTIVE:
        raise ForumError(_("The author is not an active member of this network."))
    if membership.role == Membership.Role.COORDINATOR:
        raise ForumError(_("A coordinator cannot be removed from the moderation queue."))
    from networks.services.membership import MembershipError, remove_member

    with transaction.atomic():
        try:
            remove_member(actor=acting_user, membership=membership, note=reason)
        except MembershipError as error:
            raise ForumError(str(error)) from None
        _close_flags(post, acting_user, Flag.Status.ACTIONED)
