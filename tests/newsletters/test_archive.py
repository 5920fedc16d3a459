"""The public index, a list's archive and the web version of an issue: each person sees the lists their role
allows (404 for the others), only sent issues are archived, and the web version shows what was sent without the
email's personal links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsletters.models import Issue
from newsletters.tokens import MANAGE_URL_MARKER, UNSUBSCRIBE_URL_MARKER
from tests.newsletters.factories import IssueFactory, NewsletterFactory
from tests.newsletters.publishing_helpers import PEOPLE, SEES, lists_per_audience, person, sent_issue

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", PEOPLE)
def test_index_archive_and_web_version_follow_visibility(client, kind):
    lists = lists_per_audience()
    issues = {name: sent_issue(getattr(lists, name), subject=f"{name} issue") for name in SEES["staff"]}
    user = person(kind, lists)
    if user is not None:
        client.force_login(user)

    index = client.get(reverse("newsletters:index")).content.decode()
    for name, issue in issues.items():
        newsletter = issue.newsletter
        visible = name in SEES[kind]
        assert (newsletter.name in index) is visible, (kind, name)
        archive = client.get(reverse("newsletters:archive", args=[newsletter.slug]))
        web = client.get(issue.get_absolute_url())
        if visible:
            assert archive.status_code == 200 and issue.subject in archive.content.decode()
            assert web.status_code == 200 and issue.subject in web.content.decode()
        else:
            assert archive.status_code == 404 and web.status_code == 404, (kind, name)


def test_index_shows_latest_sent_issues_not_drafts_and_hides_inactive_lists(client):
    newsletter = NewsletterFactory(name="Hub update")
    sent_issue(newsletter, subject="April edition")
    IssueFactory(newsletter=newsletter, subject="Secret draft")
    NewsletterFactory(name="Retired list", is_active=False)
    page = client.get(reverse("newsletters:index")).content.decode()
    assert "April edition" in page and "Secret draft" not in page and "Retired list" not in page


def test_archive_lists_only_sent_issues_even_for_publishers(client, user_for_role):
    newsletter = NewsletterFactory()
    sent_issue(newsletter, subject="Sent one")
    for status in (Issue.Status.DRAFT, Issue.Status.SCHEDULED, Issue.Status.SENDING, Issue.Status.CANCELLED):
        IssueFactory(newsletter=newsletter, subject=f"Not archived {status}", status=status)
    client.force_login(user_for_role("newsletter_publisher"))
    page = client.get(reverse("newsletters:archive", args=[newsletter.slug])).content.decode()
    assert "Sent one" in page and "Not archived" not in page


def test_unsent_issue_web_version_is_404_for_readers_and_marked_for_publishers(client, user_for_role):
    draft = IssueFactory(subject="Work in progress", body="Draft words.")
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(user_for_role("member"))
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(user_for_role("newsletter_publisher"))
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "has not been sent" in response.content.decode() and "Draft words." in response.content.decode()


def test_web_version_shows_what_was_sent_without_personal_links(client, settings):
    settings.SITE_URL = "https://hub.example.org"
    issue = sent_issue(NewsletterFactory(), body="What we **sent**.")
    Issue.objects.filter(pk=issue.pk).update(body="Edited later.")
    response = client.get(issue.get_absolute_url())
    page = response.content.decode()
    assert "What we <strong>sent</strong>." in page and "Edited later." not in page
    assert UNSUBSCRIBE_URL_MARKER not in page and MANAGE_URL_MARKER not in page
    assert "/newsletters/unsubscribe/" not in page and "/newsletters/preferences/" not in page
    assert 'style="' not in page.split('class="newsletter-web__content', 1)[1].split("</article>", 1)[0]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_web_version_of_an_unknown_issue_or_list_is_404(client):
    issue = sent_issue(NewsletterFactory())
    assert client.get(reverse("newsletters:issue", args=[issue.newsletter.slug, "nope"])).status_code == 404
    assert client.get(reverse("newsletters:issue", args=["nope", issue.slug])).status_code == 404
    assert client.get(reverse("newsletters:archive", args=["nope"])).status_code == 404


def test_index_query_count_does_not_grow_with_lists(client, django_assert_max_num_queries):
    for number in range(6):
        newsletter = NewsletterFactory()
        for issue_number in range(4):
            sent_issue(newsletter, subject=f"Issue {number}.{issue_number}")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("newsletters:index"))
    assert response.status_code == 200
    assert response.content.decode().count('class="card newsletter-card"') == 6


def test_public_pages_offer_a_way_to_subscribe(client):
    newsletter = NewsletterFactory()
    page = client.get(reverse("newsletters:archive", args=[newsletter.slug])).content.decode()
    assert reverse("newsletters:subscribe", args=[newsletter.slug]) in page


def test_archive_links_its_atom_feed(client):
    newsletter = NewsletterFactory()
    page = client.get(reverse("newsletters:archive", args=[newsletter.slug])).content.decode()
    assert f'type="application/atom+xml"' in page and reverse("newsletters:feed", args=[newsletter.slug]) in page
