"""The municipality pages: /municipalities/ (all 257, by province, light) and /municipalities/<code>/."""

from __future__ import annotations

import gzip
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub import registry
from hub.models import Municipality
from tests.factories import ExpertiseAreaFactory
from tests.hub.helpers_people import person

pytestmark = pytest.mark.django_db

LIST_URL = "/municipalities/"


def _links(content: bytes) -> list[str]:
    return re.findall(r'href="/municipalities/([A-Za-z0-9]+)/"', content.decode())


# --- The list -----------------------------------------------------------------------------------------------


def test_every_role_sees_the_list_of_municipalities(client_for_role, role):
    client, _user = client_for_role(role)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert sorted(set(_links(response.content))) == sorted(
        Municipality.objects.values_list("code", flat=True)
    )


def test_the_list_shows_all_257_by_province_with_districts_holding_their_locals(client):
    response = client.get(LIST_URL)

    html = response.content.decode()
    assert len(set(_links(response.content))) == 257
    assert html.count("<details") == 9
    eastern_cape = html[
        html.index('id="province-EC"') : html.index("</details>", html.index('id="province-EC"'))
    ]
    # Sarah Baartman (DC10) holds Kouga (EC108) in its nested list; the metros stand alone.
    sarah_baartman = eastern_cape[eastern_cape.index("/municipalities/DC10/") :]
    sarah_baartman = sarah_baartman[: sarah_baartman.index("</ul>")]
    assert "/municipalities/EC108/" in sarah_baartman
    assert "/municipalities/BUF/" in eastern_cape
    assert "/municipalities/CPT/" not in eastern_cape


def test_the_list_is_light_in_queries_and_bytes(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(LIST_URL)

    assert len(response.content) < 45_000
    assert len(gzip.compress(response.content)) < 10_000


def test_the_list_filters_by_name_ignoring_accents(client):
    response = client.get(LIST_URL, {"q": "khai-ma"})

    html = response.content.decode()
    assert "Khâi-Ma" in html
    # Its district is shown for context, open, and nothing from other provinces.
    assert "/municipalities/DC6/" in html
    assert "/municipalities/CPT/" not in html
    assert 'id="province-NC" open' in html
    assert html.count("<details") == 1


@pytest.mark.parametrize("query", ["NC067", "nc067", "Khâi", "KHAI MA"])
def test_the_list_finds_by_code_or_near_spelling(client, query):
    response = client.get(LIST_URL, {"q": query})

    assert "/municipalities/NC067/" in response.content.decode()


def test_searching_a_district_shows_its_locals(client):
    response = client.get(LIST_URL, {"q": "Sarah Baartman"})

    codes = set(_links(response.content))
    assert {"DC10", "EC101", "EC108"} <= codes
    assert "BUF" not in codes


def test_the_list_filters_by_province(client):
    response = client.get(LIST_URL, {"province": "wc"})

    codes = set(_links(response.content))
    assert codes == set(Municipality.objects.filter(province__code="WC").values_list("code", flat=True))


def test_an_unknown_province_is_ignored(client):
    response = client.get(LIST_URL, {"province": "XX"})

    assert response.status_code == 200
    assert len(set(_links(response.content))) == 257


@pytest.mark.parametrize("query", ["%", "_", "%%__", "zzzzqqq"])
def test_wildcards_and_nonsense_match_nothing(client, query):
    response = client.get(LIST_URL, {"q": query})

    assert response.status_code == 200
    assert _links(response.content) == []
    assert "No municipality matches" in response.content.decode()


def test_hostile_list_query_is_inert(client):
    response = client.get(LIST_URL, {"q": "<script>alert(1)</script>" + "x" * 5000 + "\x00"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- One municipality ---------------------------------------------------------------------------------------


def test_every_role_sees_a_municipality_page(client_for_role, role):
    client, _user = client_for_role(role)

    response = client.get("/municipalities/CPT/")

    assert response.status_code == 200
    assert "City of Cape Town" in response.content.decode()


def test_the_code_is_case_insensitive(client):
    response = client.get("/municipalities/cpt/")

    assert response.status_code == 200
    assert "City of Cape Town" in response.content.decode()


@pytest.mark.parametrize("code", ["XYZ", "DC999", "CPT1", "%25", "<script>"])
def test_an_unknown_code_is_404(client, code):
    response = client.get(f"/municipalities/{code}/")

    assert response.status_code == 404


def test_a_metro_says_it_is_a_metro(client):
    html = client.get("/municipalities/CPT/").content.decode()

    assert "Metropolitan municipality" in html
    assert "no district and no local municipalities" in html
    assert "Western Cape" in html


def test_a_district_lists_its_locals(client):
    html = client.get("/municipalities/DC10/").content.decode()

    district = Municipality.objects.get(code="DC10")
    for local in district.local_municipalities.all():
        assert f"/municipalities/{local.code}/" in html
    assert "District municipality" in html


def test_a_local_links_to_its_district(client):
    html = client.get("/municipalities/NC067/").content.decode()

    assert "Khâi-Ma Local Municipality" in html
    assert 'href="/municipalities/DC6/"' in html
    assert "Namakwa District Municipality" in html


def test_members_listed_there_are_shown_to_members_only(client, client_for_role):
    listed = person(listed=True, code="CPT", full_name="Nomvula Dlamini")
    expert = person(expert=True, code="CPT", full_name="Ṱhalukanyo Mudau")
    hidden = person(code="CPT", full_name="Zanele Hidden")
    elsewhere = person(listed=True, code="JHB", full_name="Pieter Elsewhere")

    visitor_html = client.get("/municipalities/CPT/").content.decode()
    member_client, _member = client_for_role("member")
    member_html = member_client.get("/municipalities/CPT/").content.decode()

    assert listed.full_name not in visitor_html
    assert expert.full_name not in visitor_html
    assert "Log in" in visitor_html
    assert listed.full_name in member_html
    assert expert.full_name in member_html
    assert hidden.full_name not in member_html
    assert elsewhere.full_name not in member_html
    assert listed.email not in member_html


def test_an_unverified_account_is_asked_to_verify_and_sees_no_names(client, django_user_model):
    listed = person(listed=True, code="CPT", full_name="Nomvula Dlamini")
    unverified = person(verified=False, code="CPT")
    client.force_login(unverified)

    html = client.get("/municipalities/CPT/").content.decode()

    assert listed.full_name not in html
    assert "Verify your email address" in html


def test_the_municipality_page_is_light_in_queries(
    client_for_role, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(registry._registry, "municipality_sections", [])  # the apps' sections count their own
    client, _user = client_for_role("member")
    client.get("/")  # the first request of a session records it (allauth user sessions)
    person(listed=True, code="CPT")
    with CaptureQueriesContext(connection) as one_member:
        client.get("/municipalities/CPT/")
    for _ in range(6):
        person(listed=True, code="CPT", expertise=[ExpertiseAreaFactory()])

    # The framework's share for a signed-in member (session, user, user-session activity, savepoints, groups) is
    # about 7; the page's own: municipality, verified email, members count and page. (The header's notification
    # bell costs nothing here: networks.context_processors keeps its count in the session.)
    with django_assert_max_num_queries(12):
        response = client.get("/municipalities/CPT/")

    assert response.status_code == 200
    with CaptureQueriesContext(connection) as seven_members:
        client.get("/municipalities/CPT/")
    assert len(seven_members) == len(one_member)


def test_sections_registered_by_apps_are_rendered(client):
    from django.utils.html import format_html

    section = registry.PageSection(
        key="test-section",
        order=10,
        render=lambda request, municipality: format_html("<p>Resources about {}</p>", municipality.name),
    )
    registry.register_municipality_section(section)
    try:
        html = client.get("/municipalities/DC10/").content.decode()
    finally:
        registry._registry.municipality_sections.remove(section)

    assert "<p>Resources about Sarah Baartman</p>" in html


def test_a_section_returning_plain_text_is_escaped(client):
    section = registry.PageSection(
        key="test-plain", order=10, render=lambda request, municipality: "<b>raw</b>"
    )
    registry.register_municipality_section(section)
    try:
        html = client.get("/municipalities/CPT/").content.decode()
    finally:
        registry._registry.municipality_sections.remove(section)

    assert "&lt;b&gt;raw&lt;/b&gt;" in html
