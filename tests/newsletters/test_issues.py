"""Composing services: issues and lists. Header injection is refused (service and form), an issue can only be
edited as a draft, approval needs a second publisher, every change is audited."""

from __future__ import annotations

import pytest

from hub.models import AuditEntry
from newsletters.forms import IssueForm, NewsletterForm
from newsletters.models import Audience, Issue, Newsletter
from newsletters.services import issues as services
from resources.models import Resource
from tests.newsletters.factories import IssueFactory, NewsletterFactory
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

INJECTIONS = ["Hello\r\nBcc: victim@example.org", "Hello\nBcc: x@example.org", "Hello\rX", "Tab\there", "Nul\x00"]


@pytest.fixture
def publisher(user_for_role):
    return user_for_role("newsletter_publisher")


@pytest.fixture
def second_publisher(user_for_role):
    return user_for_role("newsletter_publisher")


def _newsletter_values(**changes):
    values = {
        "name": "Council bulletin", "slug": "council-bulletin", "description": "News.", "audience": Audience.PUBLIC,
        "network": None, "language": "en", "sender_name": "SALGA", "sender_email": "news@salga.org.za",
        "reply_to": "info@salga.org.za", "physical_address": "Pretoria", "contact_details": "info@salga.org.za",
        "consent_wording": "I agree.", "is_active": True,
    }
    values.update(changes)
    return values


# --- header injection ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("subject", INJECTIONS)
def test_subject_with_line_break_is_refused_on_create_and_nothing_is_saved(publisher, subject):
    newsletter = NewsletterFactory()
    with pytest.raises(services.IssueError, match="line break"):
        services.create_issue(newsletter=newsletter, acting_user=publisher, subject=subject)
    assert not Issue.objects.exists()


def test_subject_or_preheader_with_line_break_is_refused_on_update(publisher):
    issue = IssueFactory(subject="Clean")
    for field in ("subject", "preheader"):
        with pytest.raises(services.IssueError):
            services.update_issue(issue=issue, acting_user=publisher, **{field: "Bad\r\nBcc: a@b.c"})
    issue.refresh_from_db()
    assert issue.subject == "Clean" and "\n" not in issue.preheader


@pytest.mark.parametrize("field", ["sender_name", "reply_to", "sender_email", "name"])
def test_newsletter_header_fields_with_line_breaks_are_refused(publisher, field):
    with pytest.raises(services.IssueError):
        services.create_newsletter(acting_user=publisher, **_newsletter_values(**{field: "x\r\nBcc: y@z.org"}))
    assert not Newsletter.objects.filter(slug="council-bulletin").exists()
    newsletter = NewsletterFactory(sender_name="SALGA", reply_to="info@salga.org.za")
    with pytest.raises(services.IssueError):
        services.update_newsletter(newsletter=newsletter, acting_user=publisher, **{field: "x\nBcc: y@z.org"})
    newsletter.refresh_from_db()
    assert newsletter.sender_name == "SALGA" and newsletter.reply_to == "info@salga.org.za"


def test_forms_explain_header_injection_per_field():
    form = NewsletterForm(data=_newsletter_values(sender_name="SALGA\r\nBcc: x@y.org", audience="public"))
    assert not form.is_valid() and "line break" in form.errors["sender_name"][0]
    issue_form = IssueForm(data={"subject": "Hi\nBcc: x@y.org", "body": ""}, newsletter=NewsletterFactory())
    assert not issue_form.is_valid() and "line break" in issue_form.errors["subject"][0]


# --- editing only drafts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s in Issue.Status.values if s != Issue.Status.DRAFT])
def test_editing_is_refused_unless_draft_and_changes_nothing(publisher, status):
    issue = IssueFactory(status=status, subject="Fixed", body="Fixed body")
    with pytest.raises(services.IssueError, match="can no longer be edited"):
        services.update_issue(issue=issue, acting_user=publisher, subject="Changed", body="Changed body")
    issue.refresh_from_db()
    assert (issue.subject, issue.body) == ("Fixed", "Fixed body")
    assert not AuditEntry.objects.filter(action="newsletter.issue_update").exists()


def test_scheduled_issue_message_says_how_to_edit(publisher):
    issue = IssueFactory(status=Issue.Status.SCHEDULED)
    with pytest.raises(services.IssueError, match="Cancel the schedule first"):
        services.update_issue(issue=issue, acting_user=publisher, subject="x")


def test_draft_update_changes_content_slug_and_is_audited(publisher):
    issue = services.create_issue(newsletter=NewsletterFactory(), acting_user=publisher, subject="June update")
    assert issue.slug == "june-update" and issue.created_by == publisher
    updated = services.update_issue(issue=issue, acting_user=publisher, subject="July update", body="New body",
                                    audience_filter={"languages": ["zu"], "bogus": [1]})
    assert (updated.subject, updated.slug, updated.body) == ("July update", "july-update", "New body")
    assert updated.audience_filter == {"languages": ["zu"]}
    entry = AuditEntry.objects.get(action="newsletter.issue_update")
    assert entry.changes["before"]["subject"] == "June update" and "body" not in entry.changes["before"]
    assert AuditEntry.objects.filter(action="newsletter.issue_create", actor=publisher).exists()


def test_slugs_are_unique_per_newsletter_and_avoid_reserved_words(publisher):
    newsletter = NewsletterFactory()
    first = services.create_issue(newsletter=newsletter, acting_user=publisher, subject="Update")
    second = services.create_issue(newsletter=newsletter, acting_user=publisher, subject="Update")
    elsewhere = services.create_issue(newsletter=NewsletterFactory(), acting_user=publisher, subject="Update")
    feed = services.create_issue(newsletter=newsletter, acting_user=publisher, subject="Feed")
    assert (first.slug, second.slug, elsewhere.slug) == ("update", "update-2", "update")
    assert feed.slug == "feed-2"


def test_body_with_a_block_the_audience_may_not_see_is_refused(publisher):
    internal = ResourceFactory(visibility=Resource.Visibility.INTERNAL)
    with pytest.raises(services.IssueError, match="Line 1"):
        services.create_issue(newsletter=NewsletterFactory(audience=Audience.PUBLIC), acting_user=publisher,
                              subject="Hi", body=f"{{{{ resource: {internal.slug} }}}}")
    assert not Issue.objects.exists()


def test_people_who_do_not_publish_cannot_compose(user_for_role):
    newsletter = NewsletterFactory()
    for role in ("member", "salga_staff", "content_reviewer"):
        with pytest.raises(services.IssueError):
            services.create_issue(newsletter=newsletter, acting_user=user_for_role(role), subject="Hi")
    assert not Issue.objects.exists()


# --- approval -----------------------------------------------------------------------------------------------------


def test_approval_needs_a_second_publisher(settings, publisher, second_publisher, user_for_role):
    settings.NEWSLETTER_REQUIRE_APPROVAL = True
    issue = services.create_issue(newsletter=NewsletterFactory(), acting_user=publisher, subject="Needs approval")
    with pytest.raises(services.IssueError, match="Another publisher"):
        services.approve_issue(issue=issue, acting_user=publisher)
    with pytest.raises(services.IssueError):
        services.approve_issue(issue=issue, acting_user=user_for_role("salga_staff"))
    issue.refresh_from_db()
    assert issue.approved_at is None

    approved = services.approve_issue(issue=issue, acting_user=second_publisher)
    assert approved.approved_by == second_publisher and approved.approved_at is not None
    assert AuditEntry.objects.filter(action="newsletter.issue_approve", actor=second_publisher).exists()
    with pytest.raises(services.IssueError, match="already approved"):
        services.approve_issue(issue=approved, acting_user=user_for_role("site_administrator"))


def test_editing_an_approved_issue_withdraws_the_approval(settings, publisher, second_publisher):
    settings.NEWSLETTER_REQUIRE_APPROVAL = True
    issue = services.create_issue(newsletter=NewsletterFactory(), acting_user=publisher, subject="Approved")
    services.approve_issue(issue=issue, acting_user=second_publisher)
    services.update_issue(issue=issue, acting_user=publisher, body="A late change")
    issue.refresh_from_db()
    assert issue.approved_at is None and issue.approved_by is None


def test_without_the_setting_there_is_nothing_to_approve(settings, publisher, second_publisher):
    settings.NEWSLETTER_REQUIRE_APPROVAL = False
    issue = services.create_issue(newsletter=NewsletterFactory(), acting_user=publisher, subject="Free")
    with pytest.raises(services.IssueError):
        services.approve_issue(issue=issue, acting_user=second_publisher)


# --- lists --------------------------------------------------------------------------------------------------------


def test_create_and_update_newsletter_are_audited(publisher):
    newsletter = services.create_newsletter(acting_user=publisher, **_newsletter_values())
    services.update_newsletter(newsletter=newsletter, acting_user=publisher, sender_name="SALGA Hub")
    newsletter.refresh_from_db()
    assert newsletter.sender_name == "SALGA Hub"
    entry = AuditEntry.objects.get(action="newsletter.update")
    assert entry.changes == {"before": {"sender_name": "SALGA"}, "after": {"sender_name": "SALGA Hub"}}


def test_network_audience_needs_a_network(publisher):
    with pytest.raises(services.IssueError, match="network"):
        services.create_newsletter(acting_user=publisher, **_newsletter_values(audience=Audience.NETWORK_MEMBERS))


@pytest.mark.parametrize("slug", ["manage", "my", "confirm", "preferences", "unsubscribe"])
def test_newsletter_form_refuses_slugs_that_other_pages_use(slug):
    form = NewsletterForm(data=_newsletter_values(slug=slug))
    assert not form.is_valid() and "reserved" in form.errors["slug"][0]
