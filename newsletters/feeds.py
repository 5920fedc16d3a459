"""An Atom feed per list (/newsletters/<list>/feed/): its sent issues, newest first, with their content as sent.
Members' and staff lists answer only to those who may see them (Newsletter.objects.visible_to): for anyone else the
feed does not exist (404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from newsletters import selectors
from newsletters.blocks import BlockError
from newsletters.models import Issue
from newsletters.rendering import web_content

FEED_SIZE = 20


class NewsletterFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, newsletter_slug: str) -> dict[str, Any]:
        newsletter = selectors.visible_newsletter(user=request.user, slug=newsletter_slug)
        if newsletter is None:
            raise Http404
        issues = list(selectors.archive_issues(user=request.user, newsletter=newsletter)[:FEED_SIZE])
        return {"newsletter": newsletter, "issues": issues}

    def title(self, obj: dict[str, Any]) -> str:
        return obj["newsletter"].name

    def subtitle(self, obj: dict[str, Any]) -> str:
        return obj["newsletter"].description

    def link(self, obj: dict[str, Any]) -> str:
        return obj["newsletter"].get_absolute_url()

    def feed_url(self, obj: dict[str, Any]) -> str:
        return reverse("newsletters:feed", args=[obj["newsletter"].slug])

    def author_name(self, obj: dict[str, Any]) -> str:
        return obj["newsletter"].sender_name

    def items(self, obj: dict[str, Any]) -> list[Issue]:
        return obj["issues"]

    def item_title(self, item: Issue) -> str:
        return item.subject

    def item_description(self, item: Issue) -> str:
        try:
            return web_content(issue=item)
        except BlockError:  # pragma: no cover - sent issues are frozen; only an unsent one renders now
            return item.preheader

    def item_link(self, item: Issue) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Issue) -> datetime | None:
        return item.sent_at or item.send_started_at

    def item_updateddate(self, item: Issue) -> datetime | None:
        return item.sent_at or item.send_started_at


__all__ = ["NewsletterFeed"]
