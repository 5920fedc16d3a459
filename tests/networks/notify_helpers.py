"""Helpers for the notification tests: topics and posts made directly (no forum service needed)."""

from __future__ import annotations

from networks.models import ForumTopic, Post


def make_topic(network, author, title="Water losses: what worked?", body="How did you cut non-revenue water?"):
    topic = ForumTopic.objects.create(network=network, title=title, slug="topic", author=author)
    post = Post.objects.create(topic=topic, author=author, body=body, body_html=f"<p>{body}</p>")
    return topic, post


def make_reply(topic, author, body="We fixed the meters first."):
    return Post.objects.create(topic=topic, author=author, body=body, body_html=f"<p>{body}</p>")
