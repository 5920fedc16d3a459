"""POPIA data rights: download my data (/accounts/my-data/) and delete my account (/accounts/delete/)."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hub import registry
from hub.models import AuditEntry, ContactMessage, Language, Profile, User
from hub.roles import GROUP_ROLES
from hub.services.audit import record_audit
from hub.services.data_rights import (
    ACCOUNT_DELETED,
    AccountDeletionError,
    delete_account,
    export_personal_data,
)
from hub.services.roles import set_roles
from tests.factories import ExpertiseAreaFactory, UserFactory, make_user_with_role, organisation_for

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-123"


@pytest.fixture
def registered_part():
    """An app's data-rights part, registered for the test only."""
    calls: dict[str, list] = {"export": [], "erase": []}

    def export(user):
        calls["export"].append(user.pk)
        return {"resources": [f"written by {user.pk}"]}

    def erase(user):
        calls["erase"].append(user.pk)

    saved = registry.data_rights_parts()
    registry.register_data_rights_part(registry.DataRightsPart(key="test_app", export=export, erase=erase))
    yield calls
    registry._registry.data_rights_parts[:] = saved


def full_person() -> User:
    user = UserFactory(full_name="Ntombi Tshivenḓa-Khâi", email="ntombi@example.org")
    EmailAddress.objects.create(user=user, email="ntombi@capetown.gov.za", verified=False)
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.organisation = organisation_for("CPT")
    profile.job_title = "IDP manager"
    profile.function = "idp_manager"
    profile.bio = "Twenty years in <b>planning</b>."
    profile.languages = [Language.TSHIVENDA, Language.ENGLISH]
    profile.listed_in_directory = True
    profile.save()
    profile.expertise.add(ExpertiseAreaFactory(name="Integrated development planning", slug="idp"))
    return user


# ---- export ----


def test_export_holds_account_profile_roles_messages_audit_and_registered_parts(registered_part):
    user = full_person()
    other = UserFactory(full_name="Other Person", email="other@example.org")
    ContactMessage.objects.create(sender=user, recipient=other)
    ContactMessage.objects.create(sender=other, recipient=user)
    ContactMessage.objects.create(sender=other, recipient=UserFactory())  # not about this person
    administrator = make_user_with_role(
        "site_administrator", full_name="Admin Person", email="admin@salga.org.za"
    )
    set_roles(person=user, roles={"content_reviewer"}, acting_user=administrator)
    record_audit(actor=user, action="something.done", summary="by the person")
    record_audit(actor=administrator, action="unrelated", target=other, summary="not about the person")

    data = export_personal_data(user=user)

    assert data["account"]["email"] == "ntombi@example.org"
    assert data["account"]["full_name"] == "Ntombi Tshivenḓa-Khâi"
    assert {address["email"] for address in data["account"]["email_addresses"]} == {
        "ntombi@example.org",
        "ntombi@capetown.gov.za",
    }
    assert data["profile"]["organisation"] == "City of Cape Town"
    assert data["profile"]["expertise"] == ["Integrated development planning"]
    assert data["profile"]["languages"] == ["Tshivenḓa", "English"]
    assert data["profile"]["function"] == "IDP / planning manager"
    assert data["profile"]["bio"] == "Twenty years in <b>planning</b>."
    assert data["roles"] == ["Member", "Content reviewer"]
    assert data["contact_messages"]["sent"][0]["to"] == "Other Person"
    assert data["contact_messages"]["received"][0]["from"] == "Other Person"
    assert len(data["contact_messages"]["sent"]) == len(data["contact_messages"]["received"]) == 1
    actions = [entry["action"] for entry in data["audit_entries"]]
    assert actions == ["roles.changed", "something.done"]
    assert data["audit_entries"][0]["by"] == "Admin Person"
    assert "admin@salga.org.za" not in json.dumps(data)  # staff addresses are not the person's data
    assert data["test_app"] == {"resources": [f"written by {user.pk}"]}
    assert registered_part["export"] == [user.pk]
    json.dumps(data)  # serialisable as is


def test_download_returns_a_json_attachment_named_by_date(client_for_role):
    client, user = client_for_role("member")
    user.full_name = "Sipho Khâi-Ma"
    user.save()

    page = client.get(reverse("hub:data_download"))
    response = client.post(reverse("hub:data_download"))

    assert page.status_code == 200
    assert "Download my data" in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    expected = f'attachment; filename="lg-knowledge-hub-my-data-{timezone.localdate():%Y-%m-%d}.json"'
    assert response["Content-Disposition"] == expected
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content.decode("utf-8"))
    assert data["account"]["full_name"] == "Sipho Khâi-Ma"
    assert "Sipho Khâi-Ma".encode() in response.content  # readable, not \\u-escaped


def test_download_needs_a_login():
    response = Client().post(reverse("hub:data_download"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# ---- deletion ----


def test_deleting_an_account_removes_personal_data_and_keeps_the_row(registered_part):
    user = full_person()
    user.groups.add(Group.objects.get(name=GROUP_ROLES["salga_staff"]))
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    UserSession.objects.create(user=user, ip="127.0.0.1", session_key="k" * 32, user_agent="test")
    ContactMessage.objects.create(sender=user, recipient=UserFactory())
    record_audit(actor=user, action="something.done", target=user, summary="earlier")
    entries_with_name = AuditEntry.objects.filter(actor_label__contains="Ntombi").count()
    assert entries_with_name == 1

    delete_account(user=user, acting_user=user)

    user = User.objects.get(pk=user.pk)
    assert user.email == f"deleted-{user.pk}@invalid.example"
    assert user.full_name == ""
    assert user.display_name == "Former member"
    assert user.is_former_member and not user.is_active
    assert not user.has_usable_password()
    assert not user.groups.exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not UserSession.objects.filter(user=user).exists()
    assert not ContactMessage.objects.filter(sender=user).exists()
    profile = Profile.objects.get(user=user)
    assert (profile.organisation, profile.job_title, profile.bio, profile.languages) == (None, "", "", [])
    assert not profile.expertise.exists()
    assert not profile.listed_in_directory and not profile.available_as_expert
    assert registered_part["erase"] == [user.pk]
    entry = AuditEntry.objects.get(action=ACCOUNT_DELETED)
    assert entry.target_id == str(user.pk)
    dumped = json.dumps([entry.actor_label, entry.target_label, entry.summary, entry.changes])
    assert "Ntombi" not in dumped and "ntombi" not in dumped
    assert not AuditEntry.objects.filter(actor_label__icontains="ntombi").exists()
    assert not AuditEntry.objects.filter(target_label__icontains="ntombi").exists()
    assert not Profile.objects.visible_to(UserFactory()).filter(user=user).exists()


def test_the_delete_page_needs_the_current_password_and_a_wrong_one_changes_nothing(client_for_role):
    client, user = client_for_role("member")

    page = client.get(reverse("hub:account_delete"))
    response = client.post(reverse("hub:account_delete"), {"password": "not-my-password"})

    assert page.status_code == 200
    assert "You cannot undo this" in page.content.decode()
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert 'aria-describedby="id_password-hint id_password-error"' in content
    user.refresh_from_db()
    assert user.is_active and not user.is_former_member
    assert not AuditEntry.objects.exists()


def test_deleting_from_the_page_logs_out_everywhere_and_the_email_can_sign_up_again():
    user = UserFactory(email="lerato@example.org", full_name="Lerato Mokoena")
    this_browser, other_browser = Client(), Client()
    this_browser.force_login(user)
    other_browser.force_login(user)
    assert other_browser.get(reverse("hub:data_download")).status_code == 200

    response = this_browser.post(reverse("hub:account_delete"), {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("hub:home")
    assert "Your account has been deleted" in response.content.decode()
    for browser in (this_browser, other_browser):
        again = browser.get(reverse("hub:data_download"))
        assert again.status_code == 302 and again["Location"].startswith(reverse("account_login"))
    assert not Client().login(email="lerato@example.org", password=PASSWORD)

    signup = Client().post(
        reverse("account_signup"),
        {
            "full_name": "Lerato Mokoena",
            "email": "lerato@example.org",
            "password1": "another-long-pass-987",
            "password2": "another-long-pass-987",
        },
    )

    assert signup.status_code == 302
    new_user = User.objects.get(email="lerato@example.org")
    assert new_user.pk != user.pk
    assert EmailAddress.objects.filter(user=new_user, email="lerato@example.org").exists()


def test_the_last_site_administrator_cannot_delete_their_account(client_for_role):
    client, administrator = client_for_role("site_administrator")

    response = client.post(reverse("hub:account_delete"), {"password": PASSWORD})

    assert response.status_code == 200
    assert "last site administrator" in response.content.decode()
    administrator.refresh_from_db()
    assert administrator.is_active and not administrator.is_former_member
    with pytest.raises(AccountDeletionError):
        delete_account(user=administrator, acting_user=administrator)


def test_wrong_passwords_are_rate_limited(client_for_role):
    client, user = client_for_role("member")

    statuses = [
        client.post(reverse("hub:account_delete"), {"password": f"wrong-{n}"}).status_code for n in range(12)
    ]
    final = client.post(reverse("hub:account_delete"), {"password": PASSWORD})

    assert statuses[:10] == [200] * 10
    assert 429 in statuses[10:]
    assert final.status_code == 429
    user.refresh_from_db()
    assert user.is_active


def test_someone_else_cannot_delete_an_account():
    person = UserFactory()

    for role in ("member", "salga_staff"):
        with pytest.raises(PermissionDenied):
            delete_account(user=person, acting_user=make_user_with_role(role))
    person.refresh_from_db()
    assert person.is_active and not person.is_former_member


def test_delete_without_csrf_token_is_refused():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("hub:account_delete"), {"password": PASSWORD})

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.is_active
