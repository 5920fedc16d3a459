"""The member directory (/people/), the expert directory (/experts/) and a person's page (/people/<pk>/)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.models import Profile
from hub.roles import Role
from tests.factories import ExpertiseAreaFactory
from tests.hub.helpers_people import person

pytestmark = pytest.mark.django_db

DIRECTORIES = ["/people/", "/experts/"]


def _names(response) -> set[str]:
    return set(
        re.findall(r'<h3 class="result__title"><a href="/people/\d+/">([^<]+)</a>', response.content.decode())
    )


# --- Who may look -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", DIRECTORIES)
def test_directories_are_for_members_only(client_for_role, role, url):
    listed = person(listed=True, expert=True, full_name="Nomvula Dlamini")
    client, _user = client_for_role(role)

    response = client.get(url)

    if role == Role.VISITOR:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
        assert url in response["Location"]
    else:
        assert response.status_code == 200
        assert listed.full_name in response.content.decode()


@pytest.mark.parametrize("url", DIRECTORIES)
def test_an_unverified_account_is_told_to_verify(client_for_role, url):
    listed = person(listed=True, expert=True, full_name="Nomvula Dlamini")
    client, _user = client_for_role("unverified")

    response = client.get(url)

    assert response.status_code == 403
    html = response.content.decode()
    assert "Verify your email address" in html
    assert listed.full_name not in html


def test_a_person_page_is_for_members_only(client_for_role, role):
    listed = person(listed=True, full_name="Nomvula Dlamini")
    client, _user = client_for_role(role)

    response = client.get(f"/people/{listed.pk}/")

    if role == Role.VISITOR:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 200
        assert listed.full_name in response.content.decode()


def test_an_unverified_account_cannot_see_a_person_page(client_for_role):
    listed = person(listed=True, full_name="Nomvula Dlamini")
    client, _user = client_for_role("unverified")

    response = client.get(f"/people/{listed.pk}/")

    assert response.status_code == 403
    assert listed.full_name not in response.content.decode()


# --- Opting in and out --------------------------------------------------------------------------------------


def test_only_people_who_opted_in_appear(client_for_role):
    in_directory = person(listed=True, full_name="Anele Listed")
    expert = person(expert=True, full_name="Bongani Expert")
    both = person(listed=True, expert=True, full_name="Charmaine Both")
    person(full_name="Dineo Private")
    client, _member = client_for_role("member")

    people = _names(client.get("/people/"))
    experts = _names(client.get("/experts/"))

    assert people == {in_directory.full_name, both.full_name}
    assert experts == {expert.full_name, both.full_name}


def test_opting_out_removes_a_person_from_the_directory_and_their_page(client_for_role):
    listed = person(listed=True, full_name="Anele Listed")
    client, _member = client_for_role("member")
    assert listed.full_name in _names(client.get("/people/"))

    Profile.objects.filter(user=listed).update(listed_in_directory=False)

    assert listed.full_name not in _names(client.get("/people/"))
    assert client.get(f"/people/{listed.pk}/").status_code == 404


def test_former_and_inactive_members_do_not_appear(client_for_role):
    former = person(listed=True, full_name="Former Person")
    former.is_former_member = True
    former.save()
    inactive = person(listed=True, full_name="Inactive Person")
    inactive.is_active = False
    inactive.save()
    client, _member = client_for_role("member")

    assert _names(client.get("/people/")) == set()
    assert client.get(f"/people/{former.pk}/").status_code == 404
    assert client.get(f"/people/{inactive.pk}/").status_code == 404


@pytest.mark.parametrize("pk", [999_999, 0])
def test_an_unknown_or_unlisted_person_is_404(client_for_role, pk):
    private = person(full_name="Dineo Private")
    client, _member = client_for_role("member")

    assert client.get(f"/people/{pk}/").status_code == 404
    assert client.get(f"/people/{private.pk}/").status_code == 404


# --- Filters ------------------------------------------------------------------------------------------------


@pytest.fixture
def directory(db):
    water = ExpertiseAreaFactory(name="Water and sanitation", slug="water-and-sanitation")
    finance = ExpertiseAreaFactory(name="Municipal finance (MFMA)", slug="municipal-finance")
    return {
        "cape_town": person(
            listed=True,
            expert=True,
            code="CPT",
            full_name="Nomvula Dlamini",
            function="cfo",
            expertise=[finance],
        ),
        "kouga": person(
            listed=True,
            expert=True,
            code="EC108",
            full_name="Pieter van der Merwe",
            function="technical_services",
            expertise=[water],
        ),
        "khai_ma": person(
            listed=True,
            code="NC067",
            full_name="Ṱhalukanyo Mudau",
            function="led_officer",
            job_title="Tshivenḓa-speaking LED manager",
            expertise=[water, finance],
        ),
        "salga": person(listed=True, code=None, full_name="Lindiwe Khumalo", function="salga_staff"),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"province": "WC"}, {"cape_town"}),
        ({"province": "ec"}, {"kouga"}),
        ({"municipality": "CPT"}, {"cape_town"}),
        ({"municipality": "nc067"}, {"khai_ma"}),
        ({"municipality": "DC10"}, {"kouga"}),  # a district includes its locals
        ({"category": "A"}, {"cape_town"}),
        ({"category": "B"}, {"kouga", "khai_ma"}),
        ({"function": "cfo"}, {"cape_town"}),
        ({"expertise": "water-and-sanitation"}, {"kouga", "khai_ma"}),
        ({"expertise": "water-and-sanitation", "province": "NC"}, {"khai_ma"}),
        ({"q": "dlamini"}, {"cape_town"}),
        ({"q": "thalukanyo"}, {"khai_ma"}),  # accents ignored
        ({"q": "Tshivenda"}, {"khai_ma"}),
        ({"q": "Kouga"}, {"kouga"}),  # organisation name
        ({"q": "MFMA"}, {"cape_town", "khai_ma"}),  # expertise, each person once
        ({"q": "%"}, set()),
        ({"q": "_"}, set()),
        ({}, {"cape_town", "kouga", "khai_ma", "salga"}),
    ],
)
def test_directory_filters(client_for_role, directory, params, expected):
    client, _member = client_for_role("member")

    response = client.get("/people/", params)

    assert response.status_code == 200
    assert _names(response) == {directory[key].full_name for key in expected}


def test_expert_filters_apply_to_experts_only(client_for_role, directory):
    client, _member = client_for_role("member")

    response = client.get("/experts/", {"expertise": "water-and-sanitation"})

    assert _names(response) == {directory["kouga"].full_name}


@pytest.mark.parametrize(
    "params",
    [
        {"province": "XX"},
        {"municipality": "NOPE"},
        {"expertise": "no-such-area"},
        {"function": "king"},
        {"category": "Z"},
    ],
)
def test_an_invalid_filter_shows_an_error_and_no_results(client_for_role, directory, params):
    client, _member = client_for_role("member")

    response = client.get("/people/", params)

    assert response.status_code == 200
    assert _names(response) == set()
    assert "There is a problem" in response.content.decode()


def test_hostile_text_filter_is_inert(client_for_role, directory):
    client, _member = client_for_role("member")

    response = client.get("/people/", {"q": "<script>alert(1)</script>\x00" + "x" * 3000})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html


def test_directory_is_paginated_by_20_and_keeps_filters(client_for_role):
    for number in range(23):
        person(listed=True, code="CPT", full_name=f"Person {number:02d}")
    client, _member = client_for_role("member")

    first = client.get("/people/", {"municipality": "CPT"})
    second = client.get("/people/", {"municipality": "CPT", "page": 2})

    assert len(_names(first)) == 20
    assert len(_names(second)) == 3
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first.content.decode()).group(1)
    assert "municipality=CPT" in next_link and "page=2" in next_link
    assert _names(first).isdisjoint(_names(second))


def test_directory_query_count_does_not_grow_with_results(client_for_role, django_assert_max_num_queries):
    client, _member = client_for_role("member")
    client.get("/")  # the first request of a session records it (allauth user sessions)
    areas = [ExpertiseAreaFactory(), ExpertiseAreaFactory()]
    person(listed=True, code="CPT", expertise=areas)
    with CaptureQueriesContext(connection) as with_one:
        client.get("/people/")
    for number in range(24):
        person(listed=True, code=["CPT", "EC108", "NC067"][number % 3], expertise=areas)

    # Framework share about 7 (session, user, user-session activity, savepoints, groups); the page's own: verified
    # email, provinces, municipalities, functions none, expertise areas, count, page, expertise prefetch.
    with django_assert_max_num_queries(16):
        response = client.get("/people/")
    with CaptureQueriesContext(connection) as with_many:
        client.get("/people/")

    assert len(_names(response)) == 20
    assert len(with_many) == len(with_one)


# --- A person's page ----------------------------------------------------------------------------------------


def test_a_person_page_shows_their_profile_but_never_their_email(client_for_role, directory):
    client, _member = client_for_role("member")
    khai_ma = directory["khai_ma"]
    Profile.objects.filter(user=khai_ma).update(bio="Runs the Pofadder LED forum.", languages=["ve", "af"])

    response = client.get(f"/people/{khai_ma.pk}/")

    html = response.content.decode()
    assert "Ṱhalukanyo Mudau" in html
    assert "Khâi-Ma Local Municipality" in html
    assert "Tshivenḓa-speaking LED manager" in html
    assert "LED officer" in html
    assert "Runs the Pofadder LED forum." in html
    assert "Water and sanitation" in html
    assert "Tshivenḓa, Afrikaans" in html
    assert f'href="/people/{khai_ma.pk}/contact/"' in html
    assert khai_ma.email not in html


def test_directories_never_show_email_addresses(client_for_role, directory):
    client, _member = client_for_role("member")

    html = client.get("/people/").content.decode() + client.get("/experts/").content.decode()

    for user in directory.values():
        assert user.email not in html


def test_a_bio_with_script_is_shown_inert(client_for_role):
    hostile = person(
        listed=True,
        full_name='<img src=x onerror="alert(1)">',
        bio="<script>alert(1)</script>",
        job_title="<b>boss</b>",
    )
    client, _member = client_for_role("member")

    detail = client.get(f"/people/{hostile.pk}/").content.decode()
    listing = client.get("/people/").content.decode()

    for html in (detail, listing):
        assert "<script>alert(1)</script>" not in html
        assert '<img src=x onerror="alert(1)">' not in html
        assert "<b>boss</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail


def test_your_own_page_has_no_contact_link(client_for_role):
    client, member = client_for_role("member")
    Profile.objects.filter(user=member).update(listed_in_directory=True)

    html = client.get(f"/people/{member.pk}/").content.decode()

    assert "This is how signed-in members see your profile" in html
    assert f"/people/{member.pk}/contact/" not in html
