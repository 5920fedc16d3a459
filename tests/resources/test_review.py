"""The review workflow end to end: queue, review page, request changes (emailed) -> uploader edits and resubmits ->
publish (emailed); reject with a reason; stale decisions; archive; the overdue list; audit entries throughout."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from hub.models import AuditEntry
from resources.models import Resource, ReviewEvent
from resources.services import publishing
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, make_published_resource_with_pdf

pytestmark = pytest.mark.django_db


def login(role: str):
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    return client, user


def submitted(uploader, **fields):
    fields.setdefault("status", Resource.Status.SUBMITTED)
    fields.setdefault("published_at", None)
    return ResourceFactory(created_by=uploader, **fields)


def decide(client, resource, decision, message="", edit_version=None):
    return client.post(
        f"/resources/review/{resource.slug}/",
        {
            "action": "decide",
            "decision": decision,
            "message": message,
            "edit_version": edit_version if edit_version is not None else resource.edit_version,
        },
    )


# ------------------------------------------------------------------------------------------------ the queue


def test_the_queue_lists_submitted_items_oldest_first_with_time_waiting():
    client, _reviewer = login("content_reviewer")
    uploader = make_user_with_role("member")
    now = timezone.now()
    newer = submitted(uploader, title="Newer item", submitted_at=now - datetime.timedelta(hours=2))
    older = submitted(uploader, title="Older item", submitted_at=now - datetime.timedelta(days=3))
    submitted(uploader, title="Sent back item", status=Resource.Status.CHANGES_REQUESTED)
    ResourceFactory(title="Already published item")

    page = client.get("/resources/review/").content.decode()

    assert page.index(older.title) < page.index(newer.title)
    assert "3\xa0days" in page
    assert "2\xa0hours" in page
    assert "Sent back item" not in page
    assert "Already published item" not in page
    assert "1 more item is back with its uploader" in page


@pytest.mark.parametrize(
    ("role", "expected"),
    [("visitor", 302), ("member", 403), ("municipal_official", 403), ("salga_staff", 403),
     ("newsletter_publisher", 403), ("content_reviewer", 200), ("site_administrator", 200)],
)
def test_only_reviewers_and_administrators_open_the_queue(role, expected):
    client, _user = login(role)

    assert client.get("/resources/review/").status_code == expected


@pytest.mark.parametrize("role", ["visitor", "member", "municipal_official", "salga_staff", "newsletter_publisher"])
def test_others_get_404_for_a_review_page_and_cannot_decide(role):
    uploader = make_user_with_role("member")
    resource = submitted(uploader)
    client, _user = login(role)

    assert client.get(f"/resources/review/{resource.slug}/").status_code in (302, 404)
    response = decide(client, resource, "publish")

    assert response.status_code in (302, 404)
    resource.refresh_from_db()
    assert resource.status == Resource.Status.SUBMITTED
    assert not ReviewEvent.objects.filter(resource=resource).exclude(kind="submitted").exists()
    assert not AuditEntry.objects.filter(action__startswith="resource.").exists()


def test_the_review_page_shows_files_previews_extraction_and_history():
    client, _reviewer = login("content_reviewer")
    uploader = make_user_with_role("member")
    resource = make_published_resource_with_pdf(
        "Inside text", created_by=uploader, status="submitted", published_at=None, title="A review candidate",
        body="Intro with <script>alert(1)</script>", body_html="<p>Intro</p>",
    )
    ReviewEvent.objects.create(resource=resource, actor=uploader, kind=ReviewEvent.Kind.SUBMITTED)
    slot = resource.files.get()

    page = client.get(f"/resources/review/{resource.slug}/").content.decode()

    assert "A review candidate" in page
    assert f"/resources/files/{slot.pk}/preview/" in page
    assert f"/resources/files/{slot.pk}/v1/" in page
    assert "Extracted" in page
    assert "Submitted" in page
    assert "<script>alert" not in page
    assert 'name="decision"' in page


# ------------------------------------------------------------------------------------------------ end to end


def test_changes_requested_then_resubmitted_then_published_with_emails_and_audit(django_capture_on_commit_callbacks):
    reviewer_client, reviewer = login("content_reviewer")
    uploader_client, uploader = login("municipal_official")
    resource = submitted(uploader, title="Water tariff model")

    # A message is needed to ask for changes
    response = decide(reviewer_client, resource, "request_changes", message="")
    assert "Say what the uploader should change" in response.content.decode()
    resource.refresh_from_db()
    assert resource.status == Resource.Status.SUBMITTED

    # The reviewer asks for changes: the uploader is emailed the message and a link to edit
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(reviewer_client, resource, "request_changes", message="Please add the 2025/26 tariffs.")
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.CHANGES_REQUESTED
    (message,) = [m for m in mail.outbox if uploader.email in m.to]
    assert "Changes requested" in message.subject
    assert "Please add the 2025/26 tariffs." in message.body
    assert f"/resources/{resource.slug}/edit/" in message.body
    assert ReviewEvent.objects.filter(resource=resource, kind="changes_requested", actor=reviewer).exists()
    assert AuditEntry.objects.filter(action="resource.changes_requested", actor=reviewer).exists()

    # The uploader sees the message in "My uploads", edits and resubmits: reviewers are emailed
    assert "Please add the 2025/26 tariffs." in uploader_client.get("/resources/mine/").content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        uploader_client.post(
            f"/resources/{resource.slug}/edit/",
            {
                "title": resource.title, "summary": "Now with 2025/26 tariffs.", "body": "", "resource_type": "toolkit",
                "languages": ["en"], "licence": "cc-by-4.0", "visibility": "public",
                "edit_version": resource.edit_version, "action": "submit",
            },
        )
    resource.refresh_from_db()
    assert resource.status == Resource.Status.SUBMITTED
    assert any(reviewer.email in m.to and "Resubmitted" in m.subject for m in mail.outbox)

    # The reviewer publishes: the uploader is told, the audit log records it, everyone can now see it
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(reviewer_client, resource, "publish", message="Thanks, a great example.")
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED
    assert resource.published_at is not None
    assert Resource.objects.visible_to(None).filter(pk=resource.pk).exists()
    (message,) = [m for m in mail.outbox if uploader.email in m.to]
    assert "published" in message.subject
    assert "Thanks, a great example." in message.body
    assert AuditEntry.objects.filter(action="resource.published", actor=reviewer).exists()
    kinds = list(resource.review_events.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == ["changes_requested", "submitted", "published"]


def test_rejecting_needs_a_reason_which_is_emailed(django_capture_on_commit_callbacks):
    reviewer_client, reviewer = login("content_reviewer")
    uploader = make_user_with_role("member")
    resource = submitted(uploader, title="Copied report")

    response = decide(reviewer_client, resource, "reject", message="  ")
    page = response.content.decode()
    assert "Give the reason" in page
    # the error summary opens the page (GOV.UK pattern), before the title, not inside the decision section
    assert page.index('class="error-summary"') < page.index('class="page-title"')

    with django_capture_on_commit_callbacks(execute=True):
        decide(reviewer_client, resource, "reject", message="This report is copyrighted by a publisher.")

    resource.refresh_from_db()
    assert resource.status == Resource.Status.REJECTED
    (message,) = [m for m in mail.outbox if uploader.email in m.to]
    assert "This report is copyrighted by a publisher." in message.body
    entry = AuditEntry.objects.get(action="resource.rejected")
    assert entry.actor == reviewer
    assert entry.changes["before"] == {"status": "submitted"}
    assert not Resource.objects.visible_to(reviewer).filter(pk=resource.pk).exists()


def test_a_decision_on_a_page_opened_before_the_uploader_edited_is_not_saved():
    reviewer_client, _reviewer = login("content_reviewer")
    uploader = make_user_with_role("member")
    resource = submitted(uploader)
    opened_at_version = resource.edit_version
    publishing.update_resource(
        resource=resource, acting_user=uploader, data={"summary": "Changed underneath"}, expected_version=1
    )

    response = decide(reviewer_client, resource, "publish", edit_version=opened_at_version)

    assert response.status_code == 200
    assert "changed after you opened this page" in response.content.decode()
    resource.refresh_from_db()
    assert resource.status == Resource.Status.SUBMITTED
    assert not AuditEntry.objects.filter(action="resource.published").exists()


def test_a_decided_item_cannot_be_decided_again():
    reviewer_client, _reviewer = login("content_reviewer")
    resource = submitted(make_user_with_role("member"), status=Resource.Status.REJECTED)

    response = decide(reviewer_client, resource, "publish")

    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.REJECTED


def test_archiving_hides_a_published_item_and_it_can_be_republished():
    reviewer_client, reviewer = login("content_reviewer")
    resource = ResourceFactory()

    reviewer_client.post(f"/resources/review/{resource.slug}/", {"action": "archive", "reason": "Out of date"})
    resource.refresh_from_db()
    assert resource.status == Resource.Status.ARCHIVED
    assert not Resource.objects.visible_to(reviewer).filter(pk=resource.pk).exists()
    assert AuditEntry.objects.filter(action="resource.archived").exists()

    reviewer_client.post(f"/resources/review/{resource.slug}/", {"action": "republish"})
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED


def test_a_reviewer_may_publish_their_own_item():
    client, reviewer = login("content_reviewer")
    resource = submitted(reviewer)

    decide(client, resource, "publish")

    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED


def test_staff_publish_their_own_draft_through_the_service_but_not_others_items():
    staff = make_user_with_role("salga_staff")
    own = submitted(staff, status=Resource.Status.DRAFT)
    other = submitted(make_user_with_role("member"))

    publishing.publish_resource(resource=own, acting_user=staff)
    with pytest.raises(PermissionError):
        publishing.publish_resource(resource=other, acting_user=staff)

    assert Resource.objects.get(pk=own.pk).status == Resource.Status.PUBLISHED
    assert Resource.objects.get(pk=other.pk).status == Resource.Status.SUBMITTED


def test_a_rolled_back_decision_sends_no_email(django_capture_on_commit_callbacks):
    from django.db import transaction

    reviewer = make_user_with_role("content_reviewer")
    resource = submitted(make_user_with_role("member"))

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                publishing.reject_resource(resource=resource, acting_user=reviewer, reason="No")
                raise RuntimeError("boom")

    assert mail.outbox == []
    assert Resource.objects.get(pk=resource.pk).status == Resource.Status.SUBMITTED


# ------------------------------------------------------------------------------------------------ overdue


@pytest.mark.parametrize(
    ("role", "expected"),
    [("visitor", 302), ("member", 403), ("municipal_official", 403), ("newsletter_publisher", 403),
     ("salga_staff", 200), ("content_reviewer", 200), ("site_administrator", 200)],
)
def test_the_overdue_list_is_for_staff(role, expected):
    client, _user = login(role)

    assert client.get("/resources/review/overdue/").status_code == expected


def test_the_overdue_list_shows_published_items_past_their_date_most_overdue_first():
    client, _reviewer = login("content_reviewer")
    today = timezone.localdate()
    ResourceFactory(title="Slightly late", review_by=today - datetime.timedelta(days=3))
    ResourceFactory(title="Very late", review_by=today - datetime.timedelta(days=400))
    ResourceFactory(title="Not yet due", review_by=today + datetime.timedelta(days=30))
    ResourceFactory(title="Archived late", review_by=today - datetime.timedelta(days=10), status="archived")

    page = client.get("/resources/review/overdue/").content.decode()

    assert page.index("Very late") < page.index("Slightly late")
    assert "400 days" in page
    assert "Not yet due" not in page
    assert "Archived late" not in page
