"""Notifications of forum activity: fan-out of a new post to the people who should hear of it (in-app rows made
in bulk, immediate emails for "each post"), daily/weekly digests, watching topics, preferences and one-click
unsubscribe tokens.

Whose frequency applies: a person's preference for the TOPIC wins, then their preference for the NETWORK, then
the default (a daily digest). Nobody is ever told of their own post, and nobody is told of anything they may not
read: in a members-only network only active members are notified; mentions resolve only to active members.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from networks import mentions
from networks.models import (
    EmailFrequency,
    ForumTopic,
    Membership,
    Network,
    Notification,
    NotificationPreference,
    Post,
)

DEFAULT_FREQUENCY = EmailFrequency.DAILY
UNSUBSCRIBE_SALT = "networks.notifications.unsubscribe"
DIGEST_WINDOW = {EmailFrequency.DAILY: timedelta(days=7), EmailFrequency.WEEKLY: timedelta(days=21)}
FORUM_KINDS = [Notification.Kind.REPLY, Notification.Kind.NEW_TOPIC, Notification.Kind.MENTION, Notification.Kind.ACCEPTED]


# ---------------------------------------------------------------- tokens


def make_unsubscribe_token(*, user_id: int, network_id: int | None = None, topic_id: int | None = None) -> str:
    """A signed token naming what to stop emailing: one topic, one network, or (neither) every network email."""
    return signing.dumps({"u": user_id, "n": network_id, "t": topic_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict[str, Any]:
    """The payload of a token; raises signing.BadSignature when it was tampered with."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("malformed")
    return data


def unsubscribe_url(*, user_id: int, network_id: int | None = None, topic_id: int | None = None) -> str:
    token = make_unsubscribe_token(user_id=user_id, network_id=network_id, topic_id=topic_id)
    return settings.SITE_URL + reverse("networks:notification_unsubscribe", kwargs={"token": token})


@transaction.atomic
def unsubscribe(*, token_data: dict[str, Any]) -> str:
    """Apply a token: stop email for the topic, the network, or everything. Returns a word for what was done.

    Topic: its watch becomes "no email". Network: its preference becomes "no email". Everything: every preference
    of the person, and one for each network they belong to, becomes "no email". Repeating it is harmless.
    """
    user_id = token_data["u"]
    if token_data.get("t"):
        NotificationPreference.objects.update_or_create(
            user_id=user_id, topic_id=token_data["t"], defaults={"email_frequency": EmailFrequency.NONE}
        )
        return "topic"
    if token_data.get("n"):
        NotificationPreference.objects.update_or_create(
            user_id=user_id, network_id=token_data["n"], defaults={"email_frequency": EmailFrequency.NONE}
        )
        return "network"
    NotificationPreference.objects.filter(user_id=user_id).update(email_frequency=EmailFrequency.NONE)
    network_ids = Membership.objects.filter(user_id=user_id, status=Membership.Status.ACTIVE).values_list(
        "network_id", flat=True
    )
    for network_id in network_ids:
        NotificationPreference.objects.update_or_create(
            user_id=user_id, network_id=network_id, defaults={"email_frequency": EmailFrequency.NONE}
        )
    return "all"


# ---------------------------------------------------------------- preferences and watching


@transaction.atomic
def set_network_frequency(*, user: Any, network: Network, frequency: str) -> NotificationPreference:
    """Set how a person hears about a network's new discussions (and, with "each", every post)."""
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, network=network, defaults={"email_frequency": frequency}
    )
    return pref


@transaction.atomic
def watch_topic(*, user: Any, topic: ForumTopic, frequency: str) -> NotificationPreference:
    """Watch a topic (be told of each reply) with an email frequency."""
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, topic=topic, defaults={"email_frequency": frequency}
    )
    return pref


@transaction.atomic
def unwatch_topic(*, user: Any, topic: ForumTopic) -> None:
    """Stop watching a topic: the watch is deleted, so the person is no longer told of replies. Posting again in
    the topic does not re-watch it (only a person's first post in a topic does)."""
    NotificationPreference.objects.filter(user=user, topic=topic).delete()


def is_watching(*, user: Any, topic: ForumTopic) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user=user, topic=topic).first()


# ---------------------------------------------------------------- fan-out


def _readers_filter(network: Network) -> Q:
    """Users who may read the network's forum: anyone for a public network, else its active members."""
    if network.visibility == Network.Visibility.PUBLIC:
        return Q(is_active=True)
    return Q(
        is_active=True,
        network_memberships__network=network,
        network_memberships__status=Membership.Status.ACTIVE,
    )


def notify_post(*, post_id: int) -> int:
    """Create the notifications for a new post and send immediate emails. Returns the number of notifications.

    New topic (its first post): every active member of the network. Reply: the topic's watchers and the network's
    "each post" subscribers. Mentions: the mentioned active members. Never the author; one notification per person
    per post (a mention wins). The author of a first post in a topic starts watching it (auto-watch). Rows are
    made with one bulk_create; people whose effective frequency is "each" get an email now.
    """
    post = (
        Post.objects.select_related("topic__network", "author")
        .filter(pk=post_id, is_deleted=False, moderation=Post.Moderation.VISIBLE, topic__is_deleted=False)
        .first()
    )
    if post is None:
        return 0
    topic = post.topic
    network = topic.network
    author_id = post.author_id
    is_opener = not Post.objects.filter(topic=topic, pk__lt=post.pk).exists()
    already = Notification.objects.filter(post=post).exists()
    if already:  # a rerun of the same task: nothing twice
        return 0

    # auto-watch: the author's first post in this topic
    if author_id and not Post.objects.filter(topic=topic, author_id=author_id, pk__lt=post.pk).exists():
        network_pref = NotificationPreference.objects.filter(user_id=author_id, network=network).first()
        NotificationPreference.objects.get_or_create(
            user_id=author_id,
            topic=topic,
            defaults={"email_frequency": network_pref.email_frequency if network_pref else DEFAULT_FREQUENCY},
        )

    kinds: dict[int, str] = {}
    if is_opener:
        for user_id in Membership.objects.filter(network=network, status=Membership.Status.ACTIVE).values_list(
            "user_id", flat=True
        ):
            kinds[user_id] = Notification.Kind.NEW_TOPIC
    else:
        for user_id in NotificationPreference.objects.filter(topic=topic).values_list("user_id", flat=True):
            kinds[user_id] = Notification.Kind.REPLY
        for user_id in NotificationPreference.objects.filter(
            network=network, email_frequency=EmailFrequency.EACH_POST
        ).values_list("user_id", flat=True):
            kinds.setdefault(user_id, Notification.Kind.REPLY)
    for user in mentions.mentioned_users(post.body, network=network):
        kinds[user.pk] = Notification.Kind.MENTION
    kinds.pop(author_id, None)
    if not kinds:
        return 0

    # only people who may read it (and are active accounts)
    User = get_user_model()
    allowed = set(User.objects.filter(_readers_filter(network), pk__in=list(kinds)).values_list("pk", flat=True))
    frequencies = effective_frequencies(user_ids=allowed, network=network, topic=topic)
    actor_name = post.author.display_name if post.author else _("Someone")
    url = f"{topic.get_absolute_url()}#post-{post.pk}"
    now = timezone.now()
    rows = []
    for user_id in sorted(allowed):
        kind = kinds[user_id]
        rows.append(
            Notification(
                user_id=user_id,
                kind=kind,
                actor_id=author_id,
                network=network,
                topic=topic,
                post=post,
                text=_notification_text(kind, actor_name, topic.title)[:300],
                url=url,
                created_at=now,
                emailed_at=now if frequencies[user_id] == EmailFrequency.EACH_POST else None,
            )
        )
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    immediate = [row for row in created if row.emailed_at is not None]
    if immediate:
        _send_immediate(immediate, post=post)
    return len(created)


def notify_answer_accepted(*, post: Post, acting_user: Any) -> Notification | None:
    """Tell the author of a newly accepted answer: an in-app notification, and email as they chose for the topic
    (at once for "each post", else in their digest). Nobody is told of accepting their own answer, and nobody who
    may no longer read the network (left a members-only one, or an inactive account). Returns the notification."""
    topic = post.topic
    network = topic.network
    author_id = post.author_id
    if author_id is None or author_id == getattr(acting_user, "pk", None):
        return None
    User = get_user_model()
    if not User.objects.filter(_readers_filter(network), pk=author_id).exists():
        return None
    frequency = effective_frequencies(user_ids={author_id}, network=network, topic=topic)[author_id]
    actor_name = acting_user.display_name if acting_user else _("Someone")
    now = timezone.now()
    notification = Notification.objects.create(
        user_id=author_id,
        kind=Notification.Kind.ACCEPTED,
        actor=acting_user,
        network=network,
        topic=topic,
        post=post,
        text=(_("%(actor)s accepted your answer in: %(title)s") % {"actor": actor_name, "title": topic.title})[:300],
        url=f"{topic.get_absolute_url()}#accepted-{post.pk}",
        created_at=now,
        emailed_at=now if frequency == EmailFrequency.EACH_POST else None,
    )
    if notification.emailed_at is not None:
        _send_immediate([notification], post=post)
    return notification


def _notification_text(kind: str, actor: str, title: str) -> str:
    if kind == Notification.Kind.NEW_TOPIC:
        return _("%(actor)s started a discussion: %(title)s") % {"actor": actor, "title": title}
    if kind == Notification.Kind.MENTION:
        return _("%(actor)s mentioned you in: %(title)s") % {"actor": actor, "title": title}
    return _("%(actor)s replied in: %(title)s") % {"actor": actor, "title": title}


def effective_frequencies(*, user_ids: set[int], network: Network, topic: ForumTopic) -> dict[int, str]:
    """Each person's email frequency for this topic: topic preference, else network preference, else the default."""
    result = {user_id: DEFAULT_FREQUENCY for user_id in user_ids}
    by_network = dict(
        NotificationPreference.objects.filter(network=network, user_id__in=user_ids).values_list(
            "user_id", "email_frequency"
        )
    )
    by_topic = dict(
        NotificationPreference.objects.filter(topic=topic, user_id__in=user_ids).values_list(
            "user_id", "email_frequency"
        )
    )
    result.update(by_network)
    result.update(by_topic)
    return result


def _email_headers(manage_url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{manage_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _send_immediate(notifications: list[Notification], *, post: Post) -> None:
    """One email per notification (queued by the mail backend after commit)."""
    User = get_user_model()
    users = User.objects.in_bulk([n.user_id for n in notifications])
    topic = post.topic
    messages = []
    for notification in notifications:
        user = users[notification.user_id]
        manage_url = unsubscribe_url(user_id=user.pk, topic_id=topic.pk) if notification.kind != Notification.Kind.NEW_TOPIC else unsubscribe_url(user_id=user.pk, network_id=topic.network_id)
        context = {
            "user": user,
            "notification": notification,
            "post": post,
            "topic": topic,
            "network": topic.network,
            "link": settings.SITE_URL + notification.url,
            "unsubscribe_url": manage_url,
            "settings_url": settings.SITE_URL + reverse("networks:notification_settings"),
        }
        messages.append(
            EmailMultiAlternatives(
                subject=notification.text,
                body=render_to_string("networks/email/notification_each.txt", context),
                to=[user.email],
                headers=_email_headers(manage_url),
            )
        )
    from django.core.mail import get_connection

    get_connection().send_messages(messages)


# ---------------------------------------------------------------- digests


def _frequency_annotation() -> Coalesce:
    topic_pref = NotificationPreference.objects.filter(user=OuterRef("user"), topic=OuterRef("topic")).values(
        "email_frequency"
    )[:1]
    network_pref = NotificationPreference.objects.filter(
        user=OuterRef("user"), network=OuterRef("network")
    ).values("email_frequency")[:1]
    return Coalesce(
        Subquery(topic_pref, output_field=CharField()),
        Subquery(network_pref, output_field=CharField()),
        Value(DEFAULT_FREQUENCY),
        output_field=CharField(),
    )


def pending_digest_notifications(*, frequency: str, user_id: int | None = None) -> QuerySet[Notification]:
    """Forum notifications not yet emailed whose effective frequency is `frequency` (recent ones only)."""
    since = timezone.now() - DIGEST_WINDOW[frequency]
    qs = Notification.objects.filter(
        emailed_at__isnull=True, kind__in=FORUM_KINDS, created_at__gte=since, user__is_active=True
    ).annotate(frequency=_frequency_annotation()).filter(frequency=frequency)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return qs


def send_digests(*, frequency: str) -> int:
    """Send one digest email per person with pending notifications at this frequency. Returns emails sent.

    Each person is handled in their own transaction: their rows are locked (SKIP LOCKED, so two runs at once do
    not both send), the email is queued on commit, and emailed_at is set in the same transaction; a rerun finds
    nothing left and sends nothing.
    """
    user_ids = list(pending_digest_notifications(frequency=frequency).values_list("user_id", flat=True).distinct())
    sent = 0
    for user_id in user_ids:
        if _send_digest_to(user_id=user_id, frequency=frequency):
            sent += 1
    return sent


def _send_digest_to(*, user_id: int, frequency: str) -> bool:
    User = get_user_model()
    with transaction.atomic():
        ids = list(
            pending_digest_notifications(frequency=frequency, user_id=user_id)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)
        )
        if not ids:
            return False
        notifications = list(
            Notification.objects.filter(pk__in=ids).select_related("network", "topic").order_by("network_id", "created_at")
        )
        # drop anything the person may no longer read (left a members-only network since)
        readable = set(Network.objects.visible_to(User.objects.get(pk=user_id)).values_list("pk", flat=True))
        shown = [n for n in notifications if n.network_id in readable]
        Notification.objects.filter(pk__in=ids).update(emailed_at=timezone.now())
        if not shown:
            return False
        user = User.objects.get(pk=user_id)
        manage_url = unsubscribe_url(user_id=user_id)
        context = {
            "user": user,
            "notifications": shown,
            "frequency": frequency,
            "site_url": settings.SITE_URL,
            "unsubscribe_url": manage_url,
            "settings_url": settings.SITE_URL + reverse("networks:notification_settings"),
        }
        subject = (
            _("Your daily network digest") if frequency == EmailFrequency.DAILY else _("Your weekly network digest")
        )
        EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("networks/email/notification_digest.txt", context),
            to=[user.email],
            headers=_email_headers(manage_url),
        ).send()
    return True


# ---------------------------------------------------------------- the bell


def unread_count(*, user: Any) -> int:
    """How many notifications the person has not read (one query)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """Mark one of the person's notifications read, or all of them (notification_id None). Returns rows changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
