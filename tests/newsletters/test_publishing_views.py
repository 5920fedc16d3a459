"""The publishing pages end to end (real rendering, real dispatch, mail to Django's locmem outbox): dashboard,
lists, compose with the live recipient count, preview, test send, send with confirmation, schedule, pause, resume,
cancel, approval, the progress partial and the report."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from newsletters.models import Audience, Delivery, Issue, Newsletter, Subscription
from newsletters.services import dispatch
from tests.newsletters.factories import IssueFactory, NewsletterFactory, SubscriptionFactory
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db
JOHANNESBURG = zoneinfo.ZoneInfo("Africa/Johannesburg")


@pytest.fixture(autouse=True)
def _newsletter_settings(settings):
    settings.NEWSLETTER_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_REQUIRE_APPROVAL = False
    settings.NEWSLETTER_RATE_PER_SECOND = 0
    settings.NEWSLETTER_RATE_PER_HOUR = 0
    settings.SITE_URL = "https://hub.example.org"


@pytest.fixture
def publisher(user_for_role):
    return user_for_role("newsletter_publisher")


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client


def _list_with(subscribers: int, **fields) -> Newsletter:
    newsletter = NewsletterFactory(**fields)
    for _number in range(subscribers):
        SubscriptionFactory(newsletter=newsletter)
    return newsletter


def _sending(issue: Issue, publisher) -> Issue:
    """Start the send without running its workers (their tasks are queued after commit, which tests do not reach)."""
    dispatch.start_send(issue=issue, acting_user=publisher)
    issue.refresh_from_db()
    return issue


# --- dashboard and lists ----------------------------------------------------------------------------------------


def test_dashboard_groups_issues_by_state(publisher_client, publisher):
    newsletter = _list_with(2, name="Hub update")
    IssueFactory(newsletter=newsletter, subject="A draft")
    IssueFactory(newsletter=newsletter, subject="A scheduled one", status=Issue.Status.SCHEDULED,
                 scheduled_at=timezone.now() + datetime.timedelta(days=1))
    IssueFactory(newsletter=newsletter, subject="Already out", status=Issue.Status.SENT, sent_at=timezone.now())
    page = publisher_client.get(reverse("newsletters:publishing_dashboard")).content.decode()
    for heading, subject in (("Drafts", "A draft"), ("Scheduled", "A scheduled one"), ("Recently sent", "Already out")):
        section = page.split(f">{heading}</h2>", 1)[1].split("</section>", 1)[0]
        assert subject in section
    assert "Hub update" in page and reverse("newsletters:issue_create", args=[newsletter.slug]) in page


def test_create_and_edit_a_newsletter(publisher_client):
    data = {
        "name": "Council bulletin", "slug": "council-bulletin", "description": "For councillors.",
        "audience": "members", "language": "en", "sender_name": "SALGA", "sender_email": "news@salga.org.za",
        "reply_to": "", "physical_address": "Pretoria", "contact_details": "info@salga.org.za",
        "consent_wording": "I agree.", "is_active": "on",
    }
    response = publisher_client.post(reverse("newsletters:newsletter_create"), data)
    assert response.status_code == 302
    newsletter = Newsletter.objects.get(slug="council-bulletin")
    assert newsletter.audience == Audience.MEMBERS
    response = publisher_client.post(reverse("newsletters:newsletter_edit", args=[newsletter.slug]),
                                     {**data, "sender_name": "SALGA Hub"})
    assert response.status_code == 302
    newsletter.refresh_from_db()
    assert newsletter.sender_name == "SALGA Hub"


def test_newsletter_form_shows_header_injection_error_and_saves_nothing(publisher_client):
    newsletter = NewsletterFactory(reply_to="info@salga.org.za")
    data = {
        "name": newsletter.name, "slug": newsletter.slug, "description": "x", "audience": "public", "language": "en",
        "sender_name": "SALGA\r\nBcc: everyone@example.org", "sender_email": "news@salga.org.za",
        "reply_to": "info@salga.org.za", "physical_address": "Pretoria", "contact_details": "x",
        "consent_wording": "I agree.", "is_active": "on",
    }
    response = publisher_client.post(reverse("newsletters:newsletter_edit", args=[newsletter.slug]), data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode() and "line break" in response.content.decode()
    newsletter.refresh_from_db()
    assert "\n" not in newsletter.sender_name


# --- composing --------------------------------------------------------------------------------------------------


def test_compose_a_draft_with_blocks_and_an_audience(publisher_client, publisher):
    newsletter = _list_with(1)
    resource = ResourceFactory(title="Water tariffs")
    response = publisher_client.post(reverse("newsletters:issue_create", args=[newsletter.slug]), {
        "subject": "June update", "preheader": "New guides", "body": f"Hello\n\n{{{{ resource: {resource.slug} }}}}",
        "languages": ["zu"],
    })
    issue = Issue.objects.get(newsletter=newsletter)
    assert response.status_code == 302 and response["Location"] == reverse("newsletters:issue_detail", args=[issue.pk])
    assert (issue.subject, issue.slug, issue.created_by) == ("June update", "june-update", publisher)
    assert issue.audience_filter == {"languages": ["zu"]}
    page = publisher_client.get(response["Location"]).content.decode()
    assert "isiZulu" in page and "Draft" in page


def test_save_and_preview_goes_to_the_preview(publisher_client):
    newsletter = NewsletterFactory()
    response = publisher_client.post(reverse("newsletters:issue_create", args=[newsletter.slug]),
                                     {"subject": "Hi", "body": "Body", "preview": "1"})
    issue = Issue.objects.get(newsletter=newsletter)
    assert response["Location"] == reverse("newsletters:issue_preview", args=[issue.pk])


def test_unknown_block_is_a_validation_error_not_a_broken_issue(publisher_client):
    newsletter = _list_with(2)
    SubscriptionFactory(newsletter=newsletter, subscriber__language="zu")
    response = publisher_client.post(reverse("newsletters:issue_create", args=[newsletter.slug]),
                                     {"subject": "Hi", "body": "Intro\n{{ resource: does-not-exist }}",
                                      "languages": ["zu"]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Line 2" in page and "does-not-exist" in page
    assert ">1</strong>" in page  # the count follows the audience as posted
    assert not Issue.objects.exists()


def test_editing_a_draft_updates_it(publisher_client):
    issue = IssueFactory(subject="Old")
    response = publisher_client.post(reverse("newsletters:issue_edit", args=[issue.pk]),
                                     {"subject": "New", "body": "New body"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.subject, issue.body) == ("New", "New body")


@pytest.mark.parametrize("status", [Issue.Status.SENDING, Issue.Status.SCHEDULED, Issue.Status.SENT])
def test_editing_an_issue_that_is_not_a_draft_is_refused(publisher_client, status):
    issue = IssueFactory(subject="Fixed", body="Fixed body", status=status)
    response = publisher_client.post(reverse("newsletters:issue_edit", args=[issue.pk]),
                                     {"subject": "Changed", "body": "Changed"})
    assert response.status_code == 409 and "can no longer be edited" in response.content.decode()
    issue.refresh_from_db()
    assert (issue.subject, issue.body) == ("Fixed", "Fixed body")
    get = publisher_client.get(reverse("newsletters:issue_edit", args=[issue.pk]), follow=True)
    assert "can no longer be edited" in get.content.decode()


def test_live_recipient_count_follows_the_audience_fields(publisher_client):
    newsletter = _list_with(3)
    SubscriptionFactory(newsletter=newsletter, subscriber__language="zu")
    url = reverse("newsletters:audience_count", args=[newsletter.slug])
    assert ">4</strong>" in publisher_client.get(url).content.decode()
    narrowed = publisher_client.get(url, {"languages": ["zu"]}, HTTP_HX_REQUEST="true").content.decode()
    assert ">1</strong>" in narrowed and "person would receive" in narrowed


def test_compose_page_wires_the_live_count_with_htmx(publisher_client):
    newsletter = _list_with(2)
    page = publisher_client.get(reverse("newsletters:issue_create", args=[newsletter.slug])).content.decode()
    assert f'hx-get="{reverse("newsletters:audience_count", args=[newsletter.slug])}"' in page
    assert 'hx-trigger="change"' in page and 'aria-live="polite"' in page and ">2</strong>" in page


# --- preview and test send ----------------------------------------------------------------------------------------


def test_preview_page_frames_the_email_at_phone_and_desktop_widths(publisher_client):
    issue = IssueFactory(body="Preview **me**")
    page = publisher_client.get(reverse("newsletters:issue_preview", args=[issue.pk])).content.decode()
    frames = re.findall(r"<iframe[^>]*>", page)
    assert len(frames) == 2
    assert all("sandbox" in frame and "title=" in frame for frame in frames)
    assert 'width="375"' in frames[0] and 'width="700"' in frames[1]
    assert "Preview me" in page  # the plain-text part


def test_preview_email_is_served_with_a_strict_policy_of_its_own(publisher_client):
    issue = IssueFactory(body="Preview **me**")
    response = publisher_client.get(reverse("newsletters:issue_preview_email", args=[issue.pk]))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy and "script-src" not in policy
    assert "sandbox" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    body = response.content.decode()
    assert "Preview <strong" in body and "[[" not in body


def test_send_a_test_to_valid_addresses(publisher_client):
    issue = IssueFactory(subject="Test me")
    response = publisher_client.post(reverse("newsletters:issue_test", args=[issue.pk]),
                                     {"addresses": "a@example.org, B@example.org"})
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert all("Test me" in m.subject for m in mail.outbox)
    assert not Delivery.objects.exists()


def test_send_a_test_refuses_malformed_addresses(publisher_client):
    issue = IssueFactory()
    response = publisher_client.post(reverse("newsletters:issue_test", args=[issue.pk]),
                                     {"addresses": "good@example.org, not-an-address"})
    assert response.status_code == 400 and "not-an-address" in response.content.decode()
    assert mail.outbox == []


# --- sending ------------------------------------------------------------------------------------------------------


def test_send_now_confirms_the_count_then_sends_to_everyone(publisher_client, django_capture_on_commit_callbacks):
    issue = IssueFactory(newsletter=_list_with(3), subject="Big news")
    confirm = publisher_client.get(reverse("newsletters:issue_send", args=[issue.pk])).content.decode()
    assert "to 3 people now?" in confirm and "Yes, send to 3 people" in confirm
    assert not Delivery.objects.exists()  # the confirmation page changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = publisher_client.post(reverse("newsletters:issue_send", args=[issue.pk]))
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT and issue.recipient_count == 3
    assert len(mail.outbox) == 3 and all(m.subject == "Big news" for m in mail.outbox)
    page = publisher_client.get(reverse("newsletters:issue_detail", args=[issue.pk])).content.decode()
    assert '<progress class="send-progress__bar" max="100" value="100"' in page
    assert 'http-equiv="refresh"' not in page and "hx-trigger" not in page  # finished: no more refreshing
    assert "Report" in page


def test_sending_twice_is_refused(publisher_client, publisher):
    issue = _sending(IssueFactory(newsletter=_list_with(2)), publisher)
    response = publisher_client.post(reverse("newsletters:issue_send", args=[issue.pk]), follow=True)
    assert "already" in response.content.decode()
    assert Delivery.objects.filter(issue=issue).count() == 2


def test_issue_page_refreshes_only_while_sending(publisher_client, publisher):
    issue = _sending(IssueFactory(newsletter=_list_with(2)), publisher)
    page = publisher_client.get(reverse("newsletters:issue_detail", args=[issue.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    progress_url = reverse("newsletters:issue_progress", args=[issue.pk])
    assert f'hx-get="{progress_url}?status=sending"' in page and 'hx-trigger="every 2s"' in page
    assert "Remaining" in page and "Time left" in page and "Possible duplicates" in page

    publisher_client.post(reverse("newsletters:issue_pause", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PAUSED
    page = publisher_client.get(reverse("newsletters:issue_detail", args=[issue.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page and "every 2s" not in page and "Resume sending" in page


def test_progress_partial_asks_for_a_full_reload_when_the_state_changed(publisher_client, publisher):
    issue = _sending(IssueFactory(newsletter=_list_with(2)), publisher)
    url = reverse("newsletters:issue_progress", args=[issue.pk])
    same = publisher_client.get(url, {"status": "sending"}, HTTP_HX_REQUEST="true")
    assert same.status_code == 200 and "HX-Refresh" not in same and 'value="0"' in same.content.decode()
    dispatch.pause_send(issue=issue, acting_user=publisher)
    changed = publisher_client.get(url, {"status": "sending"}, HTTP_HX_REQUEST="true")
    assert changed["HX-Refresh"] == "true"


def test_pause_resume_and_cancel(publisher_client, publisher):
    issue = _sending(IssueFactory(newsletter=_list_with(3)), publisher)
    publisher_client.post(reverse("newsletters:issue_pause", args=[issue.pk]))
    publisher_client.post(reverse("newsletters:issue_resume", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    confirm = publisher_client.get(reverse("newsletters:issue_cancel", args=[issue.pk])).content.decode()
    assert "3 people have not received" in confirm
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING  # the confirmation changes nothing
    publisher_client.post(reverse("newsletters:issue_cancel", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.CANCELLED
    assert set(Delivery.objects.filter(issue=issue).values_list("status", flat=True)) == {Delivery.Status.CANCELLED}
    assert mail.outbox == []


def test_pausing_or_cancelling_an_issue_that_is_not_sending_says_why(publisher_client):
    issue = IssueFactory()
    response = publisher_client.post(reverse("newsletters:issue_pause", args=[issue.pk]), follow=True)
    assert "Only an issue that is sending can be paused." in response.content.decode()
    for method in (publisher_client.get, publisher_client.post):
        response = method(reverse("newsletters:issue_cancel", args=[issue.pk]), follow=True)
        assert "Only an issue that is sending or paused can be cancelled." in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_schedule_in_south_african_time_and_unschedule(publisher_client):
    issue = IssueFactory(newsletter=_list_with(1))
    when = (timezone.now() + datetime.timedelta(days=2)).astimezone(JOHANNESBURG).replace(second=0, microsecond=0)
    response = publisher_client.post(reverse("newsletters:issue_schedule", args=[issue.pk]),
                                     {"date": when.date().isoformat(), "time": when.strftime("%H:%M")})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED and issue.scheduled_at == when
    page = publisher_client.get(reverse("newsletters:issue_detail", args=[issue.pk])).content.decode()
    assert when.strftime("%H:%M") in page and "South African time" in page

    publisher_client.post(reverse("newsletters:issue_unschedule", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and issue.scheduled_at is None


def test_schedule_in_the_past_is_refused(publisher_client):
    issue = IssueFactory(newsletter=_list_with(1))
    past = timezone.now().astimezone(JOHANNESBURG) - datetime.timedelta(hours=1)
    response = publisher_client.post(reverse("newsletters:issue_schedule", args=[issue.pk]),
                                     {"date": past.date().isoformat(), "time": past.strftime("%H:%M")})
    assert response.status_code == 400 and "in the future" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


# --- approval -----------------------------------------------------------------------------------------------------


def test_approval_by_a_second_publisher_before_sending(settings, client, publisher, user_for_role,
                                                         django_capture_on_commit_callbacks):
    settings.NEWSLETTER_REQUIRE_APPROVAL = True
    issue = IssueFactory(newsletter=_list_with(1), created_by=publisher)
    client.force_login(publisher)
    page = client.get(reverse("newsletters:issue_detail", args=[issue.pk])).content.decode()
    assert "must approve" in page and "Approve for sending" not in page and "Send now" not in page
    refused = client.post(reverse("newsletters:issue_send", args=[issue.pk]), follow=True)
    assert "approval" in refused.content.decode()
    assert not Delivery.objects.exists()
    client.post(reverse("newsletters:issue_approve", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.approved_at is None  # the author cannot approve their own issue

    second = user_for_role("newsletter_publisher")
    client.force_login(second)
    assert "Approve for sending" in client.get(reverse("newsletters:issue_detail", args=[issue.pk])).content.decode()
    client.post(reverse("newsletters:issue_approve", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.approved_by == second
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletters:issue_send", args=[issue.pk]))
    assert len(mail.outbox) == 1


# --- report -------------------------------------------------------------------------------------------------------


def _sent_with(count: int, *, complained: int = 0, bounced: int = 0, unsubscribed: int = 0) -> Issue:
    newsletter = _list_with(count)
    issue = IssueFactory(newsletter=newsletter, status=Issue.Status.SENT, sent_at=timezone.now(),
                         recipient_count=count)
    now = timezone.now()
    subscriptions = list(Subscription.objects.filter(newsletter=newsletter).select_related("subscriber"))
    Delivery.objects.bulk_create([
        Delivery(issue=issue, subscriber=s.subscriber, subscription=s, email=s.subscriber.email,
                 status=Delivery.Status.SENT, sent_at=now,
                 complained_at=now if index < complained else None,
                 bounced_at=now if complained <= index < complained + bounced else None)
        for index, s in enumerate(subscriptions)
    ])
    for s in subscriptions[:unsubscribed]:
        s.status, s.ended_by_issue = Subscription.Status.UNSUBSCRIBED, issue
        s.save()
    return issue


def test_report_warns_when_complaints_pass_one_in_a_thousand(publisher_client):
    issue = _sent_with(20, complained=1, bounced=2, unsubscribed=3)
    page = publisher_client.get(reverse("newsletters:issue_detail", args=[issue.pk])).content.decode()
    report = page.split('id="report-title"', 1)[1]
    assert "marked it as spam" in report and "5.00%" in report  # 1 of 20
    assert re.search(r"Bounced</th><td class=\"numeric\">2<", report)
    assert re.search(r"Unsubscribed by this issue</th><td class=\"numeric\">3<", report)
    assert re.search(r"Recipients</th><td class=\"numeric\">20<", report)


def test_report_has_no_warning_without_complaints(publisher_client):
    issue = _sent_with(5)
    page = publisher_client.get(reverse("newsletters:issue_detail", args=[issue.pk])).content.decode()
    assert "Report" in page and "marked it as spam" not in page
