"""Global roles: hub.services.roles.set_roles, the pages /manage/people/ and /manage/people/<pk>/roles/ and the
management dashboard."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub import permissions
from hub.models import AuditEntry, Profile, User
from hub.roles import GROUP_PERMISSIONS, GROUP_ROLES, Role
from hub.services.roles import ROLES_CHANGED, RoleChangeError, group_roles_of, set_roles
from hub.services.verification import request_verification
from tests.factories import UserFactory, make_user_with_role, organisation_for

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_every_role_group_holds_exactly_the_permissions_hub_roles_lists():
    for role, group_name in GROUP_ROLES.items():
        group = Group.objects.get(name=group_name)
        # Later apps add their own permissions to these groups in their migrations; the hub's match exactly.
        held = {
            f"hub.{permission.codename}"
            for permission in group.permissions.filter(content_type__app_label="hub")
        }
        assert held == set(GROUP_PERMISSIONS[role]), role


def test_set_roles_adds_groups_and_writes_one_audit_entry_with_before_and_after():
    administrator = make_user_with_role("site_administrator")
    person = UserFactory()

    result = set_roles(person=person, roles={"salga_staff", "content_reviewer"}, acting_user=administrator)

    assert result == ["salga_staff", "content_reviewer"]
    assert group_roles_of(fresh(person)) == ["salga_staff", "content_reviewer"]
    entries = AuditEntry.objects.filter(action=ROLES_CHANGED)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor == administrator
    assert entry.target_id == str(person.pk)
    assert entry.changes == {"before": {"roles": []}, "after": {"roles": ["salga_staff", "content_reviewer"]}}
    assert "SALGA staff" in entry.summary and "Content reviewer" in entry.summary


def test_set_roles_removes_roles_and_keeps_admin_access_in_step():
    administrator = make_user_with_role("site_administrator")
    person = make_user_with_role("newsletter_publisher")

    set_roles(person=person, roles={"site_administrator"}, acting_user=administrator)
    assert group_roles_of(fresh(person)) == ["site_administrator"]
    assert fresh(person).is_staff is True

    set_roles(person=person, roles=set(), acting_user=administrator)
    person = fresh(person)
    assert group_roles_of(person) == []
    assert person.is_staff is False
    last = AuditEntry.objects.filter(action=ROLES_CHANGED).first()
    assert last.changes == {"before": {"roles": ["site_administrator"]}, "after": {"roles": []}}


def test_set_roles_without_a_change_writes_nothing():
    administrator = make_user_with_role("site_administrator")
    person = make_user_with_role("salga_staff")

    set_roles(person=person, roles={"salga_staff"}, acting_user=administrator)

    assert not AuditEntry.objects.exists()


def test_an_administrator_cannot_remove_their_own_administrator_role():
    administrator = make_user_with_role("site_administrator")
    make_user_with_role("site_administrator")  # another administrator exists: the rule is about oneself

    with pytest.raises(RoleChangeError, match="own site administrator"):
        set_roles(person=administrator, roles=set(), acting_user=administrator)

    assert group_roles_of(fresh(administrator)) == ["site_administrator"]
    assert not AuditEntry.objects.exists()


def test_an_administrator_may_change_their_other_roles():
    administrator = make_user_with_role("site_administrator")

    set_roles(person=administrator, roles={"site_administrator", "salga_staff"}, acting_user=administrator)

    assert group_roles_of(fresh(administrator)) == ["salga_staff", "site_administrator"]


def test_the_last_site_administrator_is_never_removed_even_by_a_stale_request():
    # Given two administrators who demote each other at the same moment: the first change wins...
    first = make_user_with_role("site_administrator")
    second = make_user_with_role("site_administrator")
    second_as_seen_by_their_request = fresh(second)
    assert second_as_seen_by_their_request.groups.exists()  # the permission check already passed
    assert permissions.can_assign_roles(second_as_seen_by_their_request)
    set_roles(person=second, roles=set(), acting_user=first)

    # ...and the second, checked before the first committed, must not leave the hub without an administrator.
    with pytest.raises(RoleChangeError, match="last site administrator"):
        set_roles(person=first, roles=set(), acting_user=second_as_seen_by_their_request)

    assert group_roles_of(fresh(first)) == ["site_administrator"]
    assert AuditEntry.objects.filter(action=ROLES_CHANGED).count() == 1


def test_people_who_may_not_assign_roles_are_refused_and_nothing_changes():
    person = UserFactory()
    for role in ("member", "salga_staff", "content_reviewer", "newsletter_publisher", "municipal_official"):
        with pytest.raises(PermissionDenied):
            set_roles(person=person, roles={"site_administrator"}, acting_user=make_user_with_role(role))

    assert group_roles_of(fresh(person)) == []
    assert not AuditEntry.objects.exists()


def test_deleted_accounts_and_unknown_roles_are_refused():
    administrator = make_user_with_role("site_administrator")
    former = UserFactory(is_former_member=True, is_active=False)

    with pytest.raises(RoleChangeError):
        set_roles(person=former, roles={"salga_staff"}, acting_user=administrator)
    with pytest.raises(RoleChangeError, match="Unknown role"):
        set_roles(person=UserFactory(), roles={"superhero"}, acting_user=administrator)
    assert not AuditEntry.objects.exists()


# ---- pages ----


@pytest.fixture
def admin_client(client_for_role):
    return client_for_role("site_administrator")


def test_people_page_finds_people_by_name_ignoring_accents_and_by_email(admin_client):
    client, _administrator = admin_client
    UserFactory(full_name="Thandi Khâi-Ma", email="thandi@khaima.gov.za")
    UserFactory(full_name="Pieter Tshivenḓa Botha", email="pieter@example.org")

    by_name = client.get(reverse("hub:manage_people"), {"q": "khai-ma"})
    by_email = client.get(reverse("hub:manage_people"), {"q": "PIETER@example"})

    assert by_name.status_code == 200
    assert "Thandi Khâi-Ma" in by_name.content.decode()
    assert "Pieter" not in by_name.content.decode()
    assert "Pieter Tshivenḓa Botha" in by_email.content.decode()


def test_people_page_filters_by_role(admin_client):
    client, _administrator = admin_client
    staff = make_user_with_role("salga_staff", full_name="Staff Person")
    UserFactory(full_name="Plain Member")

    response = client.get(reverse("hub:manage_people"), {"role": "salga_staff"})

    content = response.content.decode()
    assert staff.full_name in content
    assert "Plain Member" not in content


def test_people_page_shows_names_inert(admin_client):
    client, _administrator = admin_client
    UserFactory(full_name='<script>alert("x")</script>')

    content = client.get(reverse("hub:manage_people")).content.decode()

    assert '<script>alert("x")</script>' not in content
    assert "&lt;script&gt;" in content


def test_people_page_query_count_does_not_grow_with_the_number_of_people(admin_client):
    client, _administrator = admin_client

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("hub:manage_people"))
        assert response.status_code == 200
        return len(queries)

    for _ in range(2):
        make_user_with_role("salga_staff")
    count_queries()  # the first request of a session does one-off work (session activity, caches)
    few = count_queries()
    for index in range(20):
        make_user_with_role(["salga_staff", "content_reviewer", "municipal_official", "member"][index % 4])
    many = count_queries()

    assert many == few
    assert many <= 14


def test_people_page_paginates(admin_client):
    client, _administrator = admin_client
    for _ in range(30):
        UserFactory()

    first = client.get(reverse("hub:manage_people"))
    second = client.get(reverse("hub:manage_people"), {"page": 2})

    assert first.context["page_obj"].paginator.num_pages == 2
    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 6  # 30 + the administrator


def test_roles_page_shows_current_roles_and_history(admin_client):
    client, administrator = admin_client
    person = make_user_with_role("content_reviewer", full_name="Ayanda Reviewer")
    set_roles(person=person, roles={"content_reviewer", "newsletter_publisher"}, acting_user=administrator)

    response = client.get(reverse("hub:manage_person_roles", args=[person.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'value="content_reviewer" ' in content or 'value="content_reviewer"' in content
    checked = [
        choice.data["value"] for choice in response.context["form"]["roles"] if choice.data["selected"]
    ]
    assert checked == ["content_reviewer", "newsletter_publisher"]
    assert "roles.changed" in content
    assert "Newsletter publisher" in content


def test_posting_roles_saves_them_and_redirects_with_a_message(admin_client):
    client, _administrator = admin_client
    person = UserFactory()

    response = client.post(
        reverse("hub:manage_person_roles", args=[person.pk]),
        {"roles": ["salga_staff", "site_administrator"]},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("hub:manage_person_roles", args=[person.pk])
    assert group_roles_of(fresh(person)) == ["salga_staff", "site_administrator"]
    assert "saved" in response.content.decode()
    assert AuditEntry.objects.filter(action=ROLES_CHANGED, target_id=str(person.pk)).count() == 1


def test_removing_ones_own_administrator_role_shows_an_error_and_changes_nothing(admin_client):
    client, administrator = admin_client

    response = client.post(reverse("hub:manage_person_roles", args=[administrator.pk]), {"roles": []})

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "own site administrator role" in content
    assert group_roles_of(fresh(administrator)) == ["site_administrator"]
    assert not AuditEntry.objects.exists()


def test_an_unknown_role_in_the_post_is_rejected_by_the_form(admin_client):
    client, _administrator = admin_client
    person = UserFactory()

    response = client.post(reverse("hub:manage_person_roles", args=[person.pk]), {"roles": ["superuser"]})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert group_roles_of(fresh(person)) == []


def test_roles_page_is_404_for_unknown_people_and_deleted_accounts(admin_client):
    client, _administrator = admin_client
    former = UserFactory(is_former_member=True, is_active=False)

    assert client.get(reverse("hub:manage_person_roles", args=[999999])).status_code == 404
    assert client.get(reverse("hub:manage_person_roles", args=[former.pk])).status_code == 404


def test_roles_post_without_csrf_token_is_refused(admin_client):
    _client, administrator = admin_client
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    person = UserFactory()

    response = client.post(reverse("hub:manage_person_roles", args=[person.pk]), {"roles": ["salga_staff"]})

    assert response.status_code == 403
    assert group_roles_of(fresh(person)) == []


def test_role_labels_cover_every_group_role():
    assert set(GROUP_ROLES) <= {role.value for role in Role}


# ---- the management dashboard ----


def test_the_dashboard_shows_an_administrator_every_tool_with_counts(admin_client):
    client, _administrator = admin_client
    waiting = UserFactory()
    profile, _ = Profile.objects.get_or_create(user=waiting)
    profile.organisation = organisation_for("CPT")
    profile.save()
    request_verification(user=waiting, note="")

    response = client.get(reverse("hub:manage_dashboard"))

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["counts"] == {"pending_verifications": 1, "people": 2}
    for url in (
        reverse("hub:verification_queue"),
        reverse("hub:manage_people"),
        reverse("hub:audit_log"),
        reverse("admin:index"),
    ):
        assert f'href="{url}"' in content
    assert "verification.requested" in content  # latest changes


def test_salga_staff_see_only_the_verification_queue_on_the_dashboard(client_for_role):
    client, _staff = client_for_role("salga_staff")

    response = client.get(reverse("hub:manage_dashboard"))

    content = response.content.decode()
    assert response.status_code == 200
    assert f'href="{reverse("hub:verification_queue")}"' in content
    assert f'href="{reverse("hub:manage_people")}"' not in content
    assert f'href="{reverse("hub:audit_log")}"' not in content
    assert "people" not in response.context["counts"]
