"""Editing one's own profile at /accounts/profile/: fields, directory opt-ins, affiliation and roles."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from hub.models import AuditEntry, ExpertiseArea, Organisation, Profile, VerifiedEmailDomain
from hub.roles import Role
from hub.services.people import affiliation_from_email, update_profile
from tests.factories import ExpertiseAreaFactory, UserFactory, organisation_for
from tests.hub.helpers_people import person

pytestmark = pytest.mark.django_db

URL = "/accounts/profile/"


def _form_data(**changes):
    data = {
        "full_name": "Nomvula Dlamini",
        "organisation": str(organisation_for("CPT").pk),
        "job_title": "Chief financial officer",
        "function": "cfo",
        "bio": "Budgets and audit outcomes.",
        "languages": ["zu", "en"],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Who may edit -------------------------------------------------------------------------------------------


def test_every_signed_in_role_can_open_their_profile_and_visitors_log_in(client_for_role, role):
    client, user = client_for_role(role)

    get = client.get(URL)
    post = client.post(URL, _form_data(listed_in_directory="on"))

    if role == Role.VISITOR:
        assert get.status_code == 302 and get["Location"].startswith(
            "/accounts/login/?next=/accounts/profile/"
        )
        assert post.status_code == 302 and post["Location"].startswith("/accounts/login/")
        assert not Profile.objects.filter(listed_in_directory=True).exists()
    else:
        assert get.status_code == 200
        assert post.status_code == 302
        assert Profile.objects.get(user=user).listed_in_directory is True


def test_an_unverified_account_can_edit_its_profile(client_for_role):
    client, user = client_for_role("unverified")

    response = client.post(URL, _form_data())

    assert response.status_code == 302
    assert Profile.objects.get(user=user).job_title == "Chief financial officer"
    assert "Not verified yet" in client.get(URL).content.decode()


# --- The form -----------------------------------------------------------------------------------------------


def test_the_form_offers_every_organisation_grouped_and_opt_ins_off(client_for_role):
    client, _user = client_for_role("member")

    html = client.get(URL).content.decode()

    select = html[
        html.index('name="organisation"') : html.index("</select>", html.index('name="organisation"'))
    ]
    assert select.count("<option") == Organisation.objects.count() + 1  # and "None of these"
    assert Organisation.objects.count() == 267
    groups = re.findall(r'<optgroup label="([^"]+)"', select)
    assert groups[0] == "SALGA"
    assert "Municipalities in Western Cape" in groups and "Municipalities in KwaZulu-Natal" in groups
    assert "City of Cape Town (CPT)" in select
    assert 'name="listed_in_directory"' in html and 'name="listed_in_directory" checked' not in html
    assert 'name="available_as_expert" checked' not in html
    assert 'value="ve"' in html and "Tshivenḓa" in html  # languages as checkboxes
    assert "Your email address is never shown" in html


def test_a_new_profile_has_nothing_opted_in(client_for_role):
    _client, user = client_for_role("member")

    profile = Profile.objects.get(user=user)

    assert profile.listed_in_directory is False
    assert profile.available_as_expert is False


def test_saving_the_profile_stores_every_field(client_for_role):
    water = ExpertiseAreaFactory(name="Water and sanitation", slug="water")
    client, user = client_for_role("member")

    response = client.post(
        URL,
        _form_data(
            full_name="  Ṱhalukanyo   Mudau ",
            organisation=str(organisation_for("NC067").pk),
            expertise=[str(water.pk)],
            languages=["ve", "af"],
            listed_in_directory="on",
            available_as_expert="on",
        ),
    )

    assert response.status_code == 302
    profile = Profile.objects.select_related("user", "organisation").get(user=user)
    assert profile.user.full_name == "Ṱhalukanyo Mudau"
    assert profile.organisation.municipality.code == "NC067"
    assert profile.job_title == "Chief financial officer"
    assert profile.function == "cfo"
    assert list(profile.expertise.all()) == [water]
    assert profile.languages == ["ve", "af"]
    assert profile.listed_in_directory and profile.available_as_expert
    assert "Your profile has been saved" in client.get(URL).content.decode()


def test_opting_in_then_out_through_the_form(client_for_role):
    client, user = client_for_role("member")
    viewer, _viewer_user = client_for_role("member")

    client.post(URL, _form_data(listed_in_directory="on"))
    listed = viewer.get("/people/").content.decode()
    client.post(URL, _form_data())
    unlisted = viewer.get("/people/").content.decode()

    assert "Nomvula Dlamini" in listed
    assert "Nomvula Dlamini" not in unlisted
    assert viewer.get(f"/people/{user.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"bio": "x" * 601}, "bio"),
        ({"job_title": "x" * 151}, "job_title"),
        ({"organisation": "999999"}, "organisation"),
        ({"function": "king"}, "function"),
        ({"languages": ["xx"]}, "languages"),
        ({"expertise": ["999999"]}, "expertise"),
    ],
)
def test_invalid_input_changes_nothing_and_is_explained(client_for_role, changes, field):
    client, user = client_for_role("member")
    before = Profile.objects.get(user=user)

    response = client.post(URL, _form_data(**changes))

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'href="#id_{field}' in html
    assert Profile.objects.get(user=user).updated_at == before.updated_at
    user.refresh_from_db()
    assert user.full_name != "Nomvula Dlamini"


def test_script_in_the_bio_is_shown_inert(client_for_role):
    client, user = client_for_role("member")
    viewer, _viewer_user = client_for_role("member")

    client.post(
        URL, _form_data(bio="<script>alert(1)</script>", job_title="<b>x</b>", listed_in_directory="on")
    )

    for html in (client.get(URL).content.decode(), viewer.get(f"/people/{user.pk}/").content.decode()):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>x</b>" not in html


# --- Roles and affiliation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "label"),
    [
        ("member", "Member"),
        ("municipal_official", "Municipal official"),
        ("salga_staff", "SALGA staff"),
        ("content_reviewer", "Content reviewer"),
        ("newsletter_publisher", "Newsletter publisher"),
        ("site_administrator", "Site administrator"),
    ],
)
def test_the_page_shows_the_current_roles(client_for_role, role, label):
    client, _user = client_for_role(role)

    html = client.get(URL).content.decode()

    assert f'<li class="tag">{label}</li>' in html


def test_an_unverified_affiliation_links_to_the_verification_request(client_for_role):
    client, user = client_for_role("member")
    Profile.objects.filter(user=user).update(organisation=organisation_for("CPT"))

    html = client.get(URL).content.decode()

    assert "Not verified" in html
    assert 'href="/accounts/profile/verification/"' in html


def test_changing_organisation_withdraws_a_verified_affiliation(client_for_role):
    client, user = client_for_role("municipal_official")  # verified at CPT

    client.post(URL, _form_data(organisation=str(organisation_for("JHB").pk)))

    profile = Profile.objects.get(user=user)
    assert profile.organisation == organisation_for("JHB")
    assert profile.affiliation_status == Profile.Affiliation.UNVERIFIED
    assert profile.affiliation_verified_at is None
    entry = AuditEntry.objects.get(action="profile.affiliation_reset")
    assert entry.changes["before"]["affiliation_status"] == "verified"
    assert "Municipal official" not in client.get(URL).content.decode().split("Affiliation")[0]


def test_keeping_the_organisation_keeps_the_verified_affiliation(client_for_role):
    client, user = client_for_role("municipal_official")

    client.post(URL, _form_data(organisation=str(organisation_for("CPT").pk), job_title="Director"))

    profile = Profile.objects.get(user=user)
    assert profile.job_title == "Director"
    assert profile.affiliation_status == Profile.Affiliation.VERIFIED
    assert not AuditEntry.objects.filter(action="profile.affiliation_reset").exists()


def test_a_verified_address_at_the_municipalitys_domain_verifies_at_once(client):
    VerifiedEmailDomain.objects.create(domain="capetown.gov.za", organisation=organisation_for("CPT"))
    user = UserFactory(email="nomvula@capetown.gov.za")
    client.force_login(user)

    client.post(URL, _form_data(organisation=str(organisation_for("CPT").pk)))

    profile = Profile.objects.get(user=user)
    assert profile.affiliation_status == Profile.Affiliation.VERIFIED
    assert profile.affiliation_verified_by is None
    assert "Municipal official" in client.get(URL).content.decode()


def test_another_municipalitys_domain_does_not_verify(client):
    VerifiedEmailDomain.objects.create(domain="capetown.gov.za", organisation=organisation_for("CPT"))
    user = UserFactory(email="nomvula@capetown.gov.za")
    client.force_login(user)

    client.post(URL, _form_data(organisation=str(organisation_for("JHB").pk)))

    assert Profile.objects.get(user=user).affiliation_status == Profile.Affiliation.UNVERIFIED


@pytest.mark.parametrize(
    ("address", "verified", "expected"),
    [
        ("a@capetown.gov.za", True, "capetown.gov.za"),
        ("a@finance.capetown.gov.za", True, "capetown.gov.za"),
        ("a@evilcapetown.gov.za", True, None),
        ("a@capetown.gov.za", False, None),  # an unverified address proves nothing
        ("a@gov.za", True, None),  # a bare government domain does not say which municipality
    ],
)
def test_affiliation_from_email(address, verified, expected):
    VerifiedEmailDomain.objects.create(domain="capetown.gov.za", organisation=organisation_for("CPT"))
    user = UserFactory(email=address, verified=verified)

    assert affiliation_from_email(user, organisation_for("CPT")) == expected
    assert affiliation_from_email(user, None) is None


def test_a_salga_office_is_never_verified_by_email(db):
    salga = Organisation.objects.get(kind="salga", is_national_office=True)
    VerifiedEmailDomain.objects.create(domain="salga.org.za", organisation=salga)
    user = UserFactory(email="a@salga.org.za")

    assert affiliation_from_email(user, salga) is None


def test_update_profile_service_deduplicates_languages():
    user = person()

    profile = update_profile(
        user=user,
        full_name="Zoë",
        organisation=None,
        job_title="",
        function="",
        bio="",
        expertise=ExpertiseArea.objects.none(),
        languages=["en", "en", "zu"],
        listed_in_directory=False,
        available_as_expert=False,
    )

    assert profile.languages == ["en", "zu"]
    assert profile.organisation is None
    assert mail.outbox == []
