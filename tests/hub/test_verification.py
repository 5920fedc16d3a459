"""Official verification: request, automatic verification by email domain, the staff queue and decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hub import permissions
from hub.models import AuditEntry, Organisation, Profile, User, VerifiedEmailDomain
from hub.services.verification import (
    VERIFICATION_APPROVED,
    VERIFICATION_REJECTED,
    VERIFICATION_REQUESTED,
    VerificationError,
    approve_verification,
    domain_matches,
    reject_verification,
    request_verification,
    verify_by_email_domain,
)
from tests.factories import UserFactory, make_user_with_role, organisation_for

pytestmark = pytest.mark.django_db


def member_of(code: str = "CPT", **user_fields) -> User:
    user = UserFactory(**user_fields)
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.organisation = organisation_for(code)
    profile.save()
    return user


def pending_member(code: str = "CPT", note: str = "", **user_fields) -> User:
    user = member_of(code, **user_fields)
    request_verification(user=user, note=note)
    return user


def status_of(user: User) -> str:
    return Profile.objects.get(user=user).affiliation_status


# ---- services ----


def test_request_verification_makes_the_request_pending_with_note_and_time():
    user = member_of("CPT")

    profile = request_verification(user=user, note="  I work in   LED,\nask Ms Dlamini  ")

    profile.refresh_from_db()
    assert profile.affiliation_status == Profile.Affiliation.PENDING
    assert profile.affiliation_note == "I work in LED, ask Ms Dlamini"
    assert timezone.now() - profile.affiliation_requested_at < timedelta(minutes=1)
    entry = AuditEntry.objects.get(action=VERIFICATION_REQUESTED)
    assert entry.actor == user and entry.target_id == str(user.pk)
    assert entry.changes == {
        "before": {"affiliation_status": "unverified"},
        "after": {"affiliation_status": "pending"},
    }


@pytest.mark.parametrize("organisation", ["salga", "none"])
def test_only_people_who_name_a_municipality_can_ask(organisation):
    user = UserFactory()
    profile, _ = Profile.objects.get_or_create(user=user)
    if organisation == "salga":
        profile.organisation = Organisation.objects.get(kind="salga", is_national_office=True)
        profile.save()

    with pytest.raises(VerificationError):
        request_verification(user=user)

    assert status_of(user) == "unverified"
    assert not AuditEntry.objects.exists()


def test_a_pending_or_verified_person_cannot_ask_again():
    waiting = pending_member()
    official = make_user_with_role("municipal_official")

    for user in (waiting, official):
        with pytest.raises(VerificationError):
            request_verification(user=user)
    assert AuditEntry.objects.filter(action=VERIFICATION_REQUESTED).count() == 1


@pytest.mark.parametrize(
    ("domain", "configured", "matches"),
    [
        ("capetown.gov.za", "capetown.gov.za", True),
        ("mail.capetown.gov.za", "capetown.gov.za", True),
        ("CAPETOWN.GOV.ZA", "capetown.gov.za", True),
        ("evilcapetown.gov.za", "capetown.gov.za", False),
        ("capetown.gov.za.example.com", "capetown.gov.za", False),
        ("gov.za", "capetown.gov.za", False),
        ("capetown.gov.za", "", False),
    ],
)
def test_domain_matching_accepts_the_domain_and_its_subdomains_only(domain, configured, matches):
    assert domain_matches(domain, configured) is matches


def test_verify_by_email_domain_verifies_at_once_and_records_the_method(django_capture_on_commit_callbacks):
    VerifiedEmailDomain.objects.create(domain="capetown.gov.za", organisation=organisation_for("CPT"))
    user = member_of("CPT", email="nomvula@mail.capetown.gov.za")

    with django_capture_on_commit_callbacks(execute=True):
        assert verify_by_email_domain(user=user) is True

    profile = Profile.objects.get(user=user)
    assert profile.affiliation_status == "verified"
    assert profile.affiliation_verified_by is None
    assert permissions.is_municipal_official(User.objects.get(pk=user.pk))
    entry = AuditEntry.objects.get(action=VERIFICATION_APPROVED)
    assert entry.actor is None and entry.actor_label == "system"
    assert "email domain" in entry.summary
    assert entry.changes["after"]["method"] == "email domain"
    assert [message.to for message in mail.outbox] == [["nomvula@mail.capetown.gov.za"]]


def test_verify_by_email_domain_needs_a_verified_address_at_the_organisations_own_domain():
    VerifiedEmailDomain.objects.create(domain="capetown.gov.za", organisation=organisation_for("CPT"))
    VerifiedEmailDomain.objects.create(domain="joburg.org.za", organisation=organisation_for("JHB"))
    unverified = member_of("CPT", email="a@capetown.gov.za", verified=False)
    other_municipality = member_of("CPT", email="b@joburg.org.za")
    lookalike = member_of("CPT", email="c@evilcapetown.gov.za")
    # A second, unverified address at the right domain does not count either.
    with_unverified_second = member_of("CPT", email="d@example.org")
    EmailAddress.objects.create(user=with_unverified_second, email="d@capetown.gov.za", verified=False)

    for user in (unverified, other_municipality, lookalike, with_unverified_second):
        assert verify_by_email_domain(user=user) is False
        assert status_of(user) == "unverified"
    assert not AuditEntry.objects.exists()


def test_approve_verification_makes_an_official_and_emails_them(django_capture_on_commit_callbacks):
    staff = make_user_with_role("salga_staff")
    user = pending_member("CPT", email="thabo@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        approve_verification(person=user, acting_user=staff)

    profile = Profile.objects.get(user=user)
    assert profile.affiliation_status == "verified"
    assert profile.affiliation_verified_by == staff
    entry = AuditEntry.objects.get(action=VERIFICATION_APPROVED)
    assert entry.actor == staff
    assert entry.changes["before"] == {"affiliation_status": "pending"}
    assert entry.changes["after"]["affiliation_status"] == "verified"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["thabo@example.org"]
    assert "verified" in mail.outbox[0].subject


def test_no_email_is_sent_before_the_transaction_commits():
    staff = make_user_with_role("salga_staff")
    user = pending_member()

    with pytest.raises(RuntimeError), transaction.atomic():
        approve_verification(person=user, acting_user=staff)
        raise RuntimeError("something later in the request failed")

    assert mail.outbox == []
    assert status_of(user) == "pending"


def test_reject_verification_records_and_emails_the_reason(django_capture_on_commit_callbacks):
    administrator = make_user_with_role("site_administrator")
    user = pending_member("CPT", email="sipho@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        reject_verification(
            person=user, acting_user=administrator, reason="We could not reach the HR office."
        )

    assert status_of(user) == "rejected"
    entry = AuditEntry.objects.get(action=VERIFICATION_REJECTED)
    assert entry.changes["after"] == {
        "affiliation_status": "rejected",
        "reason": "We could not reach the HR office.",
    }
    assert len(mail.outbox) == 1
    assert "We could not reach the HR office." in mail.outbox[0].body
    # The person may ask again after a rejection.
    request_verification(user=user)
    assert status_of(user) == "pending"


def test_decisions_need_a_pending_request_and_someone_else_to_decide():
    staff = make_user_with_role("salga_staff")
    never_asked = member_of()
    with pytest.raises(VerificationError):
        approve_verification(person=never_asked, acting_user=staff)

    # A staff member who works for a municipality cannot verify themselves.
    profile = Profile.objects.get(user=staff)
    profile.organisation = organisation_for("CPT")
    profile.save()
    request_verification(user=staff)
    with pytest.raises(VerificationError, match="your own"):
        approve_verification(person=staff, acting_user=staff)
    assert status_of(staff) == "pending"
    assert status_of(never_asked) == "unverified"


@pytest.mark.parametrize("role", ["member", "municipal_official", "content_reviewer", "newsletter_publisher"])
def test_people_who_may_not_verify_are_refused_and_nothing_changes(role):
    user = pending_member()
    entries_before = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied):
        approve_verification(person=user, acting_user=make_user_with_role(role))
    with pytest.raises(PermissionDenied):
        reject_verification(person=user, acting_user=make_user_with_role(role), reason="no")

    assert status_of(user) == "pending"
    assert AuditEntry.objects.count() == entries_before
    assert mail.outbox == []


# ---- the member's page ----


def test_verification_page_explains_what_to_do_without_a_municipality(client_for_role):
    client, _user = client_for_role("member")

    response = client.get(reverse("hub:verification_request"))

    assert response.status_code == 200
    assert "choose your municipality" in response.content.decode()
    assert "Ask SALGA to verify me" not in response.content.decode()


def test_a_member_asks_for_verification_from_the_page():
    user = member_of("CPT")
    client = Client()
    client.force_login(user)

    page = client.get(reverse("hub:verification_request"))
    response = client.post(
        reverse("hub:verification_request"), {"note": "Tshivenḓa speaker, IDP office"}, follow=True
    )

    assert "Ask SALGA to verify me" in page.content.decode()
    assert response.status_code == 200
    profile = Profile.objects.get(user=user)
    assert profile.affiliation_status == "pending"
    assert profile.affiliation_note == "Tshivenḓa speaker, IDP office"
    assert "Request sent" in response.content.decode()


def test_a_member_with_a_municipal_address_is_verified_from_the_page(django_capture_on_commit_callbacks):
    VerifiedEmailDomain.objects.create(domain="capetown.gov.za", organisation=organisation_for("CPT"))
    user = member_of("CPT", email="lindiwe@capetown.gov.za")
    client = Client()
    client.force_login(user)

    page = client.get(reverse("hub:verification_request"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hub:verification_request"), {})

    assert "Verify me now" in page.content.decode()
    assert status_of(user) == "verified"
    assert AuditEntry.objects.get(action=VERIFICATION_APPROVED).actor is None


def test_an_over_long_note_is_refused_with_an_error_tied_to_the_field():
    user = member_of("CPT")
    client = Client()
    client.force_login(user)

    response = client.post(reverse("hub:verification_request"), {"note": "x" * 501})

    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert 'aria-describedby="id_note-hint id_note-error"' in content
    assert status_of(user) == "unverified"


def test_unverified_accounts_cannot_ask(client_for_role):
    client, user = client_for_role("unverified")

    response = client.post(reverse("hub:verification_request"), {"note": "hello"})

    assert response.status_code == 403
    assert not Profile.objects.filter(user=user, affiliation_status="pending").exists()


# ---- the staff queue ----


def test_the_queue_lists_pending_requests_oldest_first_with_what_staff_need(client_for_role):
    client, _staff = client_for_role("salga_staff")
    newer = pending_member(
        "CPT",
        note="<script>alert(1)</script> I am in finance",
        full_name="Newer Person",
        email="newer@capetown.gov.za",
    )
    older = pending_member("JHB", full_name="Older Person", email="older@gmail.example")
    Profile.objects.filter(user=older).update(affiliation_requested_at=timezone.now() - timedelta(days=3))
    member_of("CPT", full_name="Not Asking")

    response = client.get(reverse("hub:verification_queue"))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("Older Person") < content.index("Newer Person")
    assert "Not Asking" not in content
    assert "3\xa0days" in content or "3 days" in content
    assert "capetown.gov.za" in content and "government" in content
    assert "gmail.example" in content
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; I am in finance" in content
    assert newer.email.split("@")[1] in content


def test_the_queue_query_count_does_not_grow_with_the_number_of_requests(client_for_role):
    client, _staff = client_for_role("salga_staff")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("hub:verification_queue")).status_code == 200
        return len(queries)

    pending_member("CPT")
    count_queries()
    few = count_queries()
    for code in ["JHB", "ETH", "TSH", "BUF", "MAN", "NMA", "EKU", "CPT", "JHB"]:
        pending_member(code)
    many = count_queries()

    assert many == few
    assert many <= 14


def test_staff_approve_from_the_decision_page(client_for_role, django_capture_on_commit_callbacks):
    client, _staff = client_for_role("salga_staff")
    user = pending_member("CPT")

    page = client.get(reverse("hub:verification_decide", args=[user.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("hub:verification_decide", args=[user.pk]), {"decision": "approve"}, follow=True
        )

    assert page.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("hub:verification_queue")
    assert status_of(user) == "verified"
    assert len(mail.outbox) == 1


def test_rejecting_needs_a_reason(client_for_role):
    client, _staff = client_for_role("salga_staff")
    user = pending_member("CPT")

    response = client.post(
        reverse("hub:verification_decide", args=[user.pk]), {"decision": "reject", "reason": "  "}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert 'href="#id_reason"' in content
    assert status_of(user) == "pending"
    assert AuditEntry.objects.filter(action=VERIFICATION_REJECTED).count() == 0


def test_a_request_decided_meanwhile_is_not_decided_twice(client_for_role):
    client, _staff = client_for_role("salga_staff")
    other_staff = make_user_with_role("salga_staff")
    user = pending_member("CPT")
    approve_verification(person=user, acting_user=other_staff)

    response = client.post(
        reverse("hub:verification_decide", args=[user.pk]),
        {"decision": "reject", "reason": "no"},
        follow=True,
    )

    assert "already been decided" in response.content.decode()
    assert status_of(user) == "verified"
    assert AuditEntry.objects.filter(action=VERIFICATION_REJECTED).count() == 0
    page = client.get(reverse("hub:verification_decide", args=[user.pk]))
    assert page.status_code == 200 and "Save decision" not in page.content.decode()


def test_the_decision_page_is_404_for_people_who_never_asked(client_for_role):
    client, _staff = client_for_role("salga_staff")
    user = member_of("CPT")

    assert client.get(reverse("hub:verification_decide", args=[user.pk])).status_code == 404
    assert client.get(reverse("hub:verification_decide", args=[999999])).status_code == 404
