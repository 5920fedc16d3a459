"""Django admin: every hub model's changelist renders; roles and the audit log cannot be changed there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from hub.models import AuditEntry, ExpertiseArea, Profile, User, VerifiedEmailDomain
from hub.services.audit import record_audit
from hub.services.roles import set_roles
from tests.factories import ExpertiseAreaFactory, UserFactory, make_user_with_role, organisation_for

pytestmark = pytest.mark.django_db

HUB_MODELS = [model for model in admin.site._registry if model._meta.app_label == "hub"]


@pytest.fixture
def superuser_client():
    superuser = User.objects.create_superuser(
        email="root@salga.org.za", password="a-long-test-password-123", full_name="Root"
    )
    client = Client()
    client.force_login(superuser)
    return client, superuser


def test_every_hub_model_is_registered():
    names = {model.__name__ for model in HUB_MODELS}
    assert names == {
        "User",
        "Province",
        "Municipality",
        "Organisation",
        "ExpertiseArea",
        "VerifiedEmailDomain",
        "Profile",
        "ContactMessage",
        "AuditEntry",
    }


@pytest.mark.parametrize("model", HUB_MODELS, ids=lambda model: model.__name__)
def test_changelists_render_for_a_superuser_with_search_and_filters(superuser_client, model):
    client, superuser = superuser_client
    person = make_user_with_role("municipal_official", full_name="<script>x</script> Khâi-Ma")
    record_audit(actor=superuser, action="roles.changed", target=person, summary="s")
    url = reverse(f"admin:hub_{model._meta.model_name}_changelist")

    response = client.get(url)
    searched = client.get(url, {"q": "Khâi"})

    assert response.status_code == 200
    assert searched.status_code == 200
    assert b"<script>x</script>" not in response.content


def test_user_pages_render_and_roles_are_read_only_there(superuser_client):
    client, _superuser = superuser_client
    person = make_user_with_role("salga_staff")

    change = client.get(reverse("admin:hub_user_change", args=[person.pk]))
    add = client.get(reverse("admin:hub_user_add"))

    assert change.status_code == 200 and add.status_code == 200
    assert 'name="groups"' not in change.content.decode()
    assert reverse("hub:manage_person_roles", args=[person.pk]) in change.content.decode()
    assert 'name="profile-0-affiliation_status"' not in change.content.decode()


def test_changes_to_a_user_in_admin_are_audit_logged(superuser_client):
    client, superuser = superuser_client
    person = UserFactory(full_name="Old Name")
    Profile.objects.get_or_create(user=person)
    change_url = reverse("admin:hub_user_change", args=[person.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(
        {
            "email": person.email,
            "full_name": "New Name",
            "is_active": "on",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-id": str(person.profile.pk),
            "profile-0-user": str(person.pk),
            "profile-0-job_title": "",
            "profile-0-bio": "",
            "profile-0-languages": "",
        }
    )
    data.pop("password", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)

    response = client.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    person.refresh_from_db()
    assert person.full_name == "New Name"
    entry = AuditEntry.objects.get(action="user.changed_in_admin")
    assert entry.actor == superuser
    assert entry.changes == {"before": {"full_name": "Old Name"}, "after": {"full_name": "New Name"}}


def test_the_audit_log_cannot_be_added_changed_or_deleted_in_admin(superuser_client):
    client, superuser = superuser_client
    entry = record_audit(actor=superuser, action="roles.changed", summary="original")

    assert client.get(reverse("admin:hub_auditentry_add")).status_code == 403
    detail = client.get(reverse("admin:hub_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and 'name="summary"' not in detail.content.decode()
    client.post(reverse("admin:hub_auditentry_change", args=[entry.pk]), {"summary": "tampered"})
    assert (
        client.post(reverse("admin:hub_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.summary == "original"


def test_users_are_not_hard_deleted_in_admin_but_the_delete_action_anonymises(superuser_client):
    client, _superuser = superuser_client
    person = UserFactory(full_name="To Be Removed")

    assert client.post(reverse("admin:hub_user_delete", args=[person.pk]), {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:hub_user_changelist"), {"action": "delete_accounts", "_selected_action": [person.pk]}
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_former_member and person.full_name == ""


def test_a_site_administrator_manages_the_taxonomies_in_admin():
    administrator = make_user_with_role("site_administrator")
    newcomer = UserFactory()
    set_roles(person=newcomer, roles={"site_administrator"}, acting_user=administrator)
    client = Client()
    client.force_login(User.objects.get(pk=newcomer.pk))

    assert client.get(reverse("admin:hub_expertisearea_changelist")).status_code == 200
    response = client.post(
        reverse("admin:hub_expertisearea_add"),
        {"name": "Water and sanitation", "slug": "water-and-sanitation", "description": ""},
    )
    assert response.status_code == 302
    assert ExpertiseArea.objects.filter(slug="water-and-sanitation").exists()
    response = client.post(
        reverse("admin:hub_verifiedemaildomain_add"),
        {"domain": "capetown.gov.za", "organisation": organisation_for("CPT").pk},
    )
    assert response.status_code == 302
    assert VerifiedEmailDomain.objects.filter(domain="capetown.gov.za").exists()
    # Read-only where changes belong to the portal or to no one.
    assert client.get(reverse("admin:hub_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:hub_municipality_add")).status_code == 403


def test_people_without_a_staff_role_cannot_use_admin():
    for role in ("member", "salga_staff", "content_reviewer"):
        client = Client()
        client.force_login(make_user_with_role(role))
        response = client.get(reverse("admin:hub_expertisearea_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_expertise_areas_are_editable_in_admin(superuser_client):
    client, _superuser = superuser_client
    area = ExpertiseAreaFactory(name="LED", slug="led")

    response = client.post(
        reverse("admin:hub_expertisearea_change", args=[area.pk]),
        {"name": "Local economic development", "slug": "led", "description": "Tshivenḓa"},
    )

    assert response.status_code == 302
    area.refresh_from_db()
    assert area.name == "Local economic development"
