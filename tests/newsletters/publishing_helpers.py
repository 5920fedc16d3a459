"""Builders shared by the publishing tests: one list per audience, sent issues frozen as the dispatcher freezes
them, and people in each role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from newsletters.models import Audience, Issue, Newsletter
from newsletters.rendering import render_issue
from tests.factories import UserFactory, make_user_with_role
from tests.networks.event_helpers import make_network
from tests.networks.factories import make_member
from tests.newsletters.factories import IssueFactory, NewsletterFactory


def sent_issue(newsletter: Newsletter, **fields: Any) -> Issue:
    """An issue sent a moment ago, its HTML and text frozen from its body (as start_send does)."""
    issue = IssueFactory(newsletter=newsletter, **fields)
    issue.rendered_html, issue.rendered_text = render_issue(issue=issue)
    issue.status = Issue.Status.SENT
    issue.send_started_at = issue.sent_at = timezone.now()
    issue.save()
    return issue


@dataclass
class Lists:
    public: Newsletter
    members: Newsletter
    network: Newsletter
    staff: Newsletter

    def all(self) -> list[Newsletter]:
        return [self.public, self.members, self.network, self.staff]


def lists_per_audience() -> Lists:
    network = make_network()
    return Lists(
        public=NewsletterFactory(name="Public update", audience=Audience.PUBLIC),
        members=NewsletterFactory(name="Members bulletin", audience=Audience.MEMBERS),
        network=NewsletterFactory(name="Network bulletin", audience=Audience.NETWORK_MEMBERS, network=network),
        staff=NewsletterFactory(name="Staff news", audience=Audience.STAFF),
    )


PEOPLE = ["visitor", "member", "network_member", "staff", "publisher", "administrator"]


def person(kind: str, lists: Lists | None = None) -> Any:
    if kind == "visitor":
        return None
    if kind == "member":
        return UserFactory()
    if kind == "network_member":
        assert lists is not None
        return make_member(lists.network.network)
    if kind == "staff":
        return make_user_with_role("salga_staff")
    if kind == "publisher":
        return make_user_with_role("newsletter_publisher")
    if kind == "administrator":
        return make_user_with_role("site_administrator")
    raise ValueError(kind)


# Which lists each kind of person may see (Newsletter.objects.visible_to).
SEES = {
    "visitor": {"public"},
    "member": {"public", "members"},
    "network_member": {"public", "members", "network"},
    "staff": {"public", "members", "network", "staff"},
    "publisher": {"public", "members", "network", "staff"},
    "administrator": {"public", "members", "network", "staff"},
}
