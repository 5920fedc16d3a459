"""The audit log page (/manage/audit/): newest first, filters, SAST times, before/after tables, queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.models import AuditEntry, ExpertiseArea, User
from hub.selectors_manage import change_rows
from hub.services.audit import record_audit
from tests.factories import ExpertiseAreaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for_role):
    return client_for_role("site_administrator")


def entry_at(when: datetime, **fields) -> AuditEntry:
    entry = record_audit(**fields)
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=when)
    entry.refresh_from_db()
    return entry


def test_entries_are_listed_newest_first_with_sast_times_and_a_before_after_table(admin_client):
    client, administrator = admin_client
    person = UserFactory(full_name="Zanele Mokoena")
    entry_at(
        datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        actor=administrator,
        action="roles.changed",
        target=person,
        summary="Roles changed: added SALGA staff",
        before={"roles": []},
        after={"roles": ["salga_staff"]},
    )
    entry_at(
        datetime(2025, 3, 2, 22, 30, tzinfo=UTC),
        actor=None,
        action="verification.approved",
        target=person,
        summary="Verified by email domain",
    )

    response = client.get(reverse("hub:audit_log"))

    content = response.content.decode()
    assert response.status_code == 200
    table = content[content.index('class="results-list audit-list"') :]
    assert table.index("verification.approved") < table.index("roles.changed")
    # 22:30 UTC on 2 March is 00:30 SAST on 3 March.
    assert "3 Mar 2025" in content and "00:30:00" in content
    assert "10:00:00" in content  # 08:00 UTC
    assert "Zanele Mokoena" in content
    assert '<th scope="row">Roles</th><td>–</td><td>SALGA staff</td>' in content
    assert "system" in content


def test_filters_by_actor_action_object_type_and_sast_dates(admin_client):
    client, administrator = admin_client
    other_admin = UserFactory(full_name="Other Admin", email="other.admin@salga.org.za")
    person = UserFactory()
    area = ExpertiseAreaFactory(name="Water services")
    entry_at(
        datetime(2025, 1, 1, 22, 30, tzinfo=UTC),
        actor=administrator,
        action="roles.changed",
        target=person,
        summary="late on new year's day UTC (2 Jan SAST)",
    )
    entry_at(
        datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
        actor=other_admin,
        action="expertise.changed",
        target=area,
        summary="midday 1 Jan",
    )
    entry_at(
        datetime(2025, 2, 1, 12, 0, tzinfo=UTC),
        actor=other_admin,
        action="roles.changed",
        target=person,
        summary="February",
    )
    url = reverse("hub:audit_log")

    def summaries(**params) -> list[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        return sorted(entry.summary for entry in response.context["entries"])

    assert summaries(actor="other.admin@") == ["February", "midday 1 Jan"]
    assert summaries(action="expertise.changed") == ["midday 1 Jan"]
    user_type = ContentType.objects.get_for_model(User)
    assert summaries(target_type=user_type.pk) == ["February", "late on new year's day UTC (2 Jan SAST)"]
    expertise_type = ContentType.objects.get_for_model(ExpertiseArea)
    assert summaries(target_type=expertise_type.pk) == ["midday 1 Jan"]
    assert summaries(date_from="2025-01-02", date_to="2025-01-31") == [
        "late on new year's day UTC (2 Jan SAST)"
    ]
    assert summaries(date_to="2025-01-01") == ["midday 1 Jan"]
    assert summaries(actor="other", action="roles.changed", date_from="2025-01-15") == ["February"]


def test_bad_filter_values_show_an_error_not_a_crash(admin_client):
    client, administrator = admin_client
    record_audit(actor=administrator, action="roles.changed", summary="kept")

    response = client.get(
        reverse("hub:audit_log"),
        {"date_from": "not-a-date", "action": "<script>x</script>", "target_type": "999999"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "<script>x</script>" not in content


def test_text_in_entries_is_shown_inert(admin_client):
    client, administrator = admin_client
    record_audit(
        actor=administrator,
        action="roles.changed",
        summary="<img src=x onerror=alert(1)>",
        before={"name": "<b>old</b>"},
        after={"name": "Khâi-Ma"},
    )

    content = client.get(reverse("hub:audit_log")).content.decode()

    assert "<img src=x onerror=alert(1)>" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content
    assert "&lt;b&gt;old&lt;/b&gt;" in content
    assert "Khâi-Ma" in content


def test_the_log_is_paginated_and_its_query_count_does_not_grow(admin_client):
    client, administrator = admin_client
    person = UserFactory()

    def count_queries(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("hub:audit_log"), params).status_code == 200
        return len(queries)

    record_audit(
        actor=administrator,
        action="roles.changed",
        target=person,
        before={"roles": []},
        after={"roles": ["salga_staff"]},
    )
    count_queries()
    few = count_queries()
    for index in range(60):
        record_audit(
            actor=administrator,
            action=f"action.{index % 5}",
            target=person if index % 2 else None,
            before={"x": index},
            after={"x": index + 1},
        )
    many = count_queries()
    filtered = count_queries(action="action.1", date_from="2000-01-01")

    assert many == few
    assert filtered <= many + 1
    assert many <= 16
    response = client.get(reverse("hub:audit_log"), {"page": 2})
    assert response.context["page_obj"].number == 2
    assert len(response.context["entries"]) == 11


def test_change_rows_turn_before_and_after_into_labelled_rows():
    entry = AuditEntry(
        changes={
            "before": {"roles": ["salga_staff"], "affiliation_status": "pending"},
            "after": {"roles": [], "affiliation_status": "verified", "method": "email domain"},
        }
    )

    assert change_rows(entry) == [
        ("roles", "SALGA staff", "–"),
        ("affiliation status", "Waiting for SALGA to verify", "Verified"),
        ("method", "–", "email domain"),
    ]
    assert change_rows(AuditEntry(changes={})) == []
    assert change_rows(AuditEntry(changes={"before": "odd"})) == []


@pytest.mark.parametrize(
    "role", ["visitor", "member", "salga_staff", "content_reviewer", "newsletter_publisher"]
)
def test_only_site_administrators_see_the_log(client_for_role, role):
    client, _user = client_for_role(role)

    response = client.get(reverse("hub:audit_log"))

    assert response.status_code in (302, 403)
    if role == "visitor":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
