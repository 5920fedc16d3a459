"""The Atom feed of each list: sent issues only, their content as sent, and members' and staff lists' feeds only
for those who may see them (404 for everyone else)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.newsletters.factories import IssueFactory, NewsletterFactory
from tests.newsletters.publishing_helpers import PEOPLE, SEES, lists_per_audience, person, sent_issue

pytestmark = pytest.mark.django_db


def test_public_feed_lists_sent_issues_with_their_content(client):
    newsletter = NewsletterFactory(name="Hub update")
    sent_issue(newsletter, subject="May edition", body="Five **new** guides.")
    IssueFactory(newsletter=newsletter, subject="Unsent draft")
    response = client.get(reverse("newsletters:feed", args=[newsletter.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert "<title>Hub update</title>" in feed and "May edition" in feed and "Unsent draft" not in feed
    assert "Five &lt;strong&gt;new&lt;/strong&gt; guides." in feed
    assert "[[" not in feed and "unsubscribe" not in feed.lower()


@pytest.mark.parametrize("kind", PEOPLE)
def test_feeds_answer_only_to_those_who_may_see_the_list(client, kind):
    lists = lists_per_audience()
    for name in SEES["staff"]:
        sent_issue(getattr(lists, name), subject=f"{name} feed item")
    user = person(kind, lists)
    if user is not None:
        client.force_login(user)
    for name in SEES["staff"]:
        response = client.get(reverse("newsletters:feed", args=[getattr(lists, name).slug]))
        if name in SEES[kind]:
            assert response.status_code == 200 and f"{name} feed item" in response.content.decode()
        else:
            assert response.status_code == 404, (kind, name)


def test_feed_of_unknown_list_is_404(client):
    assert client.get(reverse("newsletters:feed", args=["no-such-list"])).status_code == 404
