"""Every hub URL for every role: the outcome the issue's rules demand, and denied POSTs that change nothing.

Outcomes: 200; LOGIN (a redirect to the log-in page); REDIRECT (a redirect elsewhere, e.g. a signed-in person
opening the log-in page); ADMIN_LOGIN (Django admin's own log-in page); 403; 404.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from hub.models import AuditEntry, Profile, User
from hub.roles import GROUP_ROLES
from hub.services.verification import request_verification
from hub.urls import hub_patterns
from tests.factories import ProfileFactory, UserFactory, make_user_with_role, organisation_for

pytestmark = pytest.mark.django_db

LOGIN, REDIRECT, ADMIN_LOGIN = "login", "redirect", "admin-login"
ROLES = [
    "visitor",
    "unverified",
    "member",
    "municipal_official",
    "salga_staff",
    "content_reviewer",
    "newsletter_publisher",
    "site_administrator",
]
SIGNED_IN = ROLES[1:]
MEMBERS = ROLES[2:]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hundreds of users are created here; Argon2 (deliberately slow) would make this module take minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def everyone(outcome):
    return {role: outcome for role in ROLES}


def public():
    return everyone(200)


def members_only():
    """The directories and people pages: visitors log in; unverified accounts are told to verify (403)."""
    return {"visitor": LOGIN, "unverified": 403, **{role: 200 for role in MEMBERS}}


def signed_in():
    return {"visitor": LOGIN, **{role: 200 for role in SIGNED_IN}}


def only(*allowed):
    return {"visitor": LOGIN, **{role: 200 if role in allowed else 403 for role in SIGNED_IN}}


def anonymous_only():
    """allauth's log-in and sign-up pages send people who are already signed in on."""
    return {"visitor": 200, **{role: REDIRECT for role in SIGNED_IN}}


# url name -> (path builder, expected outcome per role). The path builder gets the objects the URL needs.
MATRIX = {
    "home": (lambda o: "/", public()),
    "search": (lambda o: "/search/?q=water", public()),
    "privacy": (lambda o: "/privacy/", public()),
    "terms": (lambda o: "/terms/", public()),
    "accessibility": (lambda o: "/accessibility/", public()),
    "healthz": (lambda o: "/healthz", public()),
    "municipality_list": (lambda o: "/municipalities/", public()),
    "municipality_detail": (lambda o: "/municipalities/CPT/", public()),
    "person_list": (lambda o: "/people/", members_only()),
    "person_detail": (lambda o: f"/people/{o['listed'].pk}/", members_only()),
    "person_contact": (lambda o: f"/people/{o['listed'].pk}/contact/", members_only()),
    "expert_list": (lambda o: "/experts/", members_only()),
    "profile_edit": (lambda o: "/accounts/profile/", signed_in()),
    "verification_request": (lambda o: "/accounts/profile/verification/", members_only()),
    "data_download": (lambda o: "/accounts/my-data/", signed_in()),
    "account_delete": (lambda o: "/accounts/delete/", signed_in()),
    "manage_dashboard": (lambda o: "/manage/", only("salga_staff", "site_administrator")),
    "manage_people": (lambda o: "/manage/people/", only("site_administrator")),
    "manage_person_roles": (lambda o: f"/manage/people/{o['listed'].pk}/roles/", only("site_administrator")),
    "verification_queue": (lambda o: "/manage/verifications/", only("salga_staff", "site_administrator")),
    "verification_decide": (
        lambda o: f"/manage/verifications/{o['pending'].pk}/",
        only("salga_staff", "site_administrator"),
    ),
    "audit_log": (lambda o: "/manage/audit/", only("site_administrator")),
    # Development mail viewer: exists only with DJANGO_DEBUG=1 and answers 404 when DEBUG is off (as in tests).
    "dev_mail": (lambda o: "/dev/mail/", everyone(404)),
    "dev_mail_detail": (lambda o: "/dev/mail/20250101T000000000000-abcdef12/", everyone(404)),
}
EXTRA = {
    "account_login": (lambda o: "/accounts/login/", anonymous_only()),
    "account_signup": (lambda o: "/accounts/signup/", anonymous_only()),
    "admin": (lambda o: "/admin/", {**everyone(ADMIN_LOGIN), "site_administrator": 200}),
    "unknown_municipality": (lambda o: "/municipalities/NOPE/", everyone(404)),
}


def test_the_matrix_covers_every_hub_url():
    names = {pattern.name for pattern in hub_patterns}
    assert names - set(MATRIX) == set(), "add the new URL to the permission matrix"


@pytest.fixture
def objects(db):
    listed = UserFactory(full_name="Listed Person")
    ProfileFactory(user=listed, listed_in_directory=True, available_as_expert=True)
    pending = UserFactory(full_name="Pending Person")
    profile, _ = Profile.objects.get_or_create(user=pending)
    profile.organisation = organisation_for("CPT")
    profile.save()
    request_verification(user=pending, note="please")
    return {"listed": listed, "pending": pending}


def outcome_of(response) -> object:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith(reverse("account_login")):
            return LOGIN
        return REDIRECT
    return response.status_code


CASES = [(name, role) for name in [*MATRIX, *EXTRA] for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{name}-{role}" for name, role in CASES])
def test_each_url_answers_each_role_as_the_rules_say(name, role, objects):
    path_for, expected = {**MATRIX, **EXTRA}[name]
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)

    response = client.get(path_for(objects))

    assert outcome_of(response) == expected[role], f"{name} as {role}: {response.status_code}"


# ---- denied writes change nothing ----


def snapshot(*people: User) -> tuple:
    return (
        AuditEntry.objects.count(),
        tuple(sorted(Group.objects.filter(user__in=people).values_list("user__pk", "name"))),
        tuple(
            Profile.objects.filter(user__in=people)
            .order_by("pk")
            .values_list("affiliation_status", flat=True)
        ),
        tuple(
            User.objects.filter(pk__in=[p.pk for p in people])
            .order_by("pk")
            .values_list("is_active", "is_staff")
        ),
    )


DENIED_ROLE_CHANGERS = [role for role in ROLES if role != "site_administrator"]
DENIED_VERIFIERS = [role for role in ROLES if role not in ("salga_staff", "site_administrator")]


@pytest.mark.parametrize("role", DENIED_ROLE_CHANGERS)
def test_a_denied_role_change_changes_nothing(role, objects):
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    target = objects["listed"]
    victims = [target] + ([user] if user else [])
    before = snapshot(*victims)

    responses = [
        client.post(f"/manage/people/{target.pk}/roles/", {"roles": list(GROUP_ROLES)}),
        client.post(
            f"/manage/people/{user.pk if user else target.pk}/roles/", {"roles": ["site_administrator"]}
        ),
    ]

    assert {outcome_of(response) for response in responses} <= {LOGIN, 403}
    assert snapshot(*victims) == before


@pytest.mark.parametrize("role", DENIED_VERIFIERS)
@pytest.mark.parametrize("decision", [{"decision": "approve"}, {"decision": "reject", "reason": "no"}])
def test_a_denied_verification_decision_changes_nothing(role, decision, objects):
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    pending = objects["pending"]
    before = snapshot(pending)

    response = client.post(f"/manage/verifications/{pending.pk}/", decision)

    assert outcome_of(response) in (LOGIN, 403)
    assert snapshot(pending) == before


@pytest.mark.parametrize("role", ["visitor", "unverified"])
def test_a_denied_verification_request_changes_nothing(role, objects):
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
        profile, _ = Profile.objects.get_or_create(user=user)
        profile.organisation = organisation_for("CPT")
        profile.save()
    before = snapshot(*([user] if user else []))

    response = client.post("/accounts/profile/verification/", {"note": "let me in"})

    assert outcome_of(response) in (LOGIN, 403)
    assert snapshot(*([user] if user else [])) == before


@pytest.mark.parametrize("role", ROLES)
def test_nobody_deletes_an_account_without_its_password(role, objects):
    client = Client()
    user = make_user_with_role(role)
    if user is not None:
        client.force_login(user)
    people = [objects["listed"]] + ([user] if user else [])
    before = snapshot(*people)

    response = client.post("/accounts/delete/", {"password": "guess"})

    assert outcome_of(response) in (LOGIN, 200)
    assert snapshot(*people) == before
