"""Accounts with allauth: sign-up with full name and mandatory email verification, log-in by email, password reset,
email change behind re-authentication, logging out other devices, rate limits, two-factor authentication, and the
bad input of issue 2 (duplicate sign-up, tampered links, long and non-ASCII names, HTML in names)."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from hub.models import Profile, User
from tests.factories import UserFactory

PASSWORD = "a-long-test-password-123"
NEW_PASSWORD = "kudu-baobab-river-lantern"

pytestmark = pytest.mark.django_db


def log_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def reauthenticate(client: Client, password: str = PASSWORD) -> None:
    """Enter the password again, as allauth asks before security changes (ACCOUNT_REAUTHENTICATION_REQUIRED)."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def sign_up(client: Client, *, email: str, full_name: str = "Nomvula Dlamini", password: str = NEW_PASSWORD):
    return client.post(
        reverse("account_signup"),
        {"full_name": full_name, "email": email, "password1": password, "password2": password},
    )


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^\s]+", message.body)
    assert match, message.body
    return match.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# Sign-up and verification


def test_sign_up_creates_an_unverified_account_with_profile_and_sends_a_confirmation_link(client):
    response = sign_up(client, email="Nomvula.Dlamini@Example.org", full_name="  Nomvula   Dlamini ")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="nomvula.dlamini@example.org")
    assert user.full_name == "Nomvula Dlamini"
    assert user.password.startswith("argon2")
    assert Profile.objects.filter(user=user, listed_in_directory=False, available_as_expert=False).exists()
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nomvula.dlamini@example.org"]
    assert "/accounts/confirm-email/" in link_in(mail.outbox[0])


def test_following_the_confirmation_link_verifies_the_address_and_logs_in(client):
    sign_up(client, email="thabo@example.org")
    confirm_path = path_of(link_in(mail.outbox[0]))

    page = client.get(confirm_path)
    response = client.post(confirm_path)

    assert page.status_code == 200
    assert b"Confirm your email address" in page.content
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="thabo@example.org").verified
    assert client.get(reverse("account_email")).status_code == 200


def test_a_confirmation_link_opened_in_another_browser_verifies_but_does_not_log_in(client):
    sign_up(client, email="careful@example.org")
    confirm_path = path_of(link_in(mail.outbox[0]))
    other_browser = Client()

    other_browser.post(confirm_path)

    assert EmailAddress.objects.get(email="careful@example.org").verified
    assert "_auth_user_id" not in other_browser.session
    assert log_in(other_browser, "careful@example.org", NEW_PASSWORD).status_code == 302
    assert "_auth_user_id" in other_browser.session


def test_log_in_is_refused_until_the_address_is_verified(client):
    UserFactory(email="unverified@example.org", verified=False)

    response = log_in(client, "unverified@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_log_in_by_email_ignores_the_case_of_the_address(client):
    user = UserFactory(email="lindiwe@example.org")

    response = log_in(client, "Lindiwe@EXAMPLE.org")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_is_refused_with_an_error_summary(client):
    UserFactory(email="sipho@example.org")

    response = log_in(client, "sipho@example.org", "not-the-password")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "There is a problem" in html


def test_a_sign_up_with_an_existing_address_looks_the_same_and_emails_the_owner(client):
    owner = UserFactory(email="zanele@example.org", full_name="Zanele Mokoena")
    users_before = User.objects.count()

    duplicate_client, fresh_client = Client(), Client()
    duplicate = sign_up(duplicate_client, email="Zanele@Example.org", full_name="Someone Else")
    fresh = sign_up(fresh_client, email="new.person@example.org")

    # Same outcome for both: off to "check your email", and nothing on that page tells them apart.
    assert duplicate.status_code == fresh.status_code == 302
    assert duplicate["Location"] == fresh["Location"] == reverse("account_email_verification_sent")
    duplicate_page = duplicate_client.get(duplicate["Location"]).content.decode()  # messages included
    fresh_page = fresh_client.get(fresh["Location"]).content.decode()
    assert "Confirmation email sent to" in fresh_page
    assert duplicate_page.replace("zanele@example.org", "EMAIL") == fresh_page.replace(
        "new.person@example.org", "EMAIL"
    )
    assert User.objects.count() == users_before + 1
    owner.refresh_from_db()
    assert owner.full_name == "Zanele Mokoena"
    to_owner = [message for message in mail.outbox if message.to == ["zanele@example.org"]]
    assert len(to_owner) == 1
    assert "already have an account" in to_owner[0].subject.lower()
    assert "/accounts/password/reset/" in to_owner[0].body


@pytest.mark.parametrize(
    "confirm_path",
    [
        "/accounts/confirm-email/not-a-real-key/",
        "/accounts/confirm-email/MQ:1tampered:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/",
    ],
)
def test_an_invalid_or_tampered_confirmation_link_shows_a_clear_page(client, confirm_path):
    get_response = client.get(confirm_path)
    post_response = client.post(confirm_path)

    assert get_response.status_code == 200
    assert b"This link does not work" in get_response.content
    # Only a hand-made POST reaches this: the hub's own "page not found", never a server error.
    assert post_response.status_code == 404
    assert b"Page not found" in post_response.content
    assert not EmailAddress.objects.filter(verified=True).exists()


def test_a_confirmation_link_changed_by_one_character_does_not_verify(client):
    sign_up(client, email="tampered@example.org")
    confirm_path = path_of(link_in(mail.outbox[0]))
    key = confirm_path.rstrip("/").rsplit("/", 1)[1]
    tampered = confirm_path.replace(key, key[:-1] + ("A" if key[-1] != "A" else "B"))

    page = Client().get(tampered)
    response = Client().post(tampered)

    assert b"This link does not work" in page.content
    assert response.status_code == 404
    assert not EmailAddress.objects.get(email="tampered@example.org").verified


# Names and addresses


@pytest.mark.parametrize(
    "full_name", ["Khâi-Ma Tshivenḓa", "Ṱhalitha Mbedzi-Ṋemutanzhela", "Nomvula O'Brien-Dlamini"]
)
def test_non_ascii_names_are_kept_as_typed(client, full_name):
    sign_up(client, email="names@example.org", full_name=full_name)

    assert User.objects.get(email="names@example.org").full_name == full_name


def test_a_name_typed_with_a_combining_mark_is_stored_composed(client):
    sign_up(client, email="combining@example.org", full_name="Tshivend\u032da")

    assert User.objects.get(email="combining@example.org").full_name == "Tshivenḓa"


def test_an_over_long_name_is_refused_with_a_message_and_no_account(client):
    response = sign_up(client, email="long@example.org", full_name="Khâi-Ma " * 30)

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert 'href="#id_full_name"' in response.content.decode()
    assert not User.objects.filter(email="long@example.org").exists()


def test_an_over_long_email_address_is_refused_with_a_message(client):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"  # a valid shape, longer than 254

    response = sign_up(client, email=email)

    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    assert not User.objects.filter(email=email).exists()


def test_html_in_a_full_name_is_shown_inert(client):
    user = UserFactory(email="inert@example.org", full_name='<script>alert("x")</script><b>Bold</b>')
    log_in(client, "inert@example.org")

    html = client.get(reverse("account_email")).content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<script>alert("x")</script>' not in html
    assert "<b>Bold</b>" not in html
    assert user.pk


def test_email_is_unique_whatever_its_case():
    User.objects.create(email="A@x.org", full_name="First")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="a@x.org", full_name="Second")


# Passwords


def test_a_common_password_is_refused(client):
    response = sign_up(client, email="common@example.org", password="password123")

    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not User.objects.filter(email="common@example.org").exists()


def test_password_reset_by_email_link(client):
    user = UserFactory(email="reset@example.org")

    requested = client.post(reverse("account_reset_password"), {"email": "RESET@example.org"})
    reset_path = path_of(link_in(mail.outbox[0]))
    form_page = client.get(reset_path, follow=True)
    new_password = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    saved = client.post(form_page.redirect_chain[-1][0], new_password)

    assert requested.status_code == 302
    assert b"Choose a new password" in form_page.content
    assert saved.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.password.startswith("argon2")


def test_changing_the_password_tells_the_owner_by_email(client):
    user = UserFactory(email="notified@example.org")
    log_in(client, "notified@example.org")

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    [notice] = mail.outbox
    assert notice.to == ["notified@example.org"]
    assert notice.subject == "[LG Knowledge Hub] Your password was changed"
    assert "From IP address: 127.0.0.1" in notice.body
    assert NEW_PASSWORD not in notice.body


def test_a_wrong_current_password_changes_nothing(client):
    user = UserFactory(email="guarded@example.org")
    log_in(client, "guarded@example.org")

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-my-password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert 'href="#id_oldpassword"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert mail.outbox == []


def test_password_reset_for_an_unknown_address_looks_the_same(client):
    UserFactory(email="known@example.org")

    known = Client().post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_a_tampered_password_reset_link_shows_a_clear_page_and_changes_nothing(client):
    user = UserFactory(email="victim@example.org")
    client.post(reverse("account_reset_password"), {"email": "victim@example.org"})
    reset_path = path_of(link_in(mail.outbox[0]))
    tampered = reset_path[:-3] + ("x" if reset_path[-3] != "x" else "y") + reset_path[-2:]

    response = Client().get(tampered, follow=True)

    assert response.status_code == 200
    assert b"This link does not work" in response.content
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Email change behind re-authentication


def test_changing_email_asks_for_the_password_first_and_changes_nothing_until_then(client):
    user = UserFactory(email="mover@example.org")
    client.force_login(user)  # a session without a recent password entry

    response = client.post(reverse("account_email"), {"action_add": "", "email": "new.home@example.org"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="new.home@example.org").exists()
    assert mail.outbox == []

    resumed = client.post(response["Location"], {"password": PASSWORD}, follow=True)

    assert resumed.status_code == 200
    new_address = EmailAddress.objects.get(email="new.home@example.org")
    assert new_address.user == user and not new_address.verified
    assert [message.to for message in mail.outbox] == [["new.home@example.org"]]
    user.refresh_from_db()
    assert user.email == "mover@example.org"


def test_reauthentication_with_a_wrong_password_changes_nothing(client):
    user = UserFactory(email="stays@example.org")
    client.force_login(user)
    redirect = client.post(reverse("account_email"), {"action_add": "", "email": "elsewhere@example.org"})

    response = client.post(redirect["Location"], {"password": "wrong-password-here"})

    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert not EmailAddress.objects.filter(email="elsewhere@example.org").exists()


# Sessions


def test_log_out_of_other_devices_ends_every_other_session():
    UserFactory(email="roaming@example.org")
    laptop, phone = Client(HTTP_USER_AGENT="Laptop"), Client(HTTP_USER_AGENT="Phone")
    log_in(laptop, "roaming@example.org")
    log_in(phone, "roaming@example.org")
    assert phone.get(reverse("usersessions_list")).status_code == 200

    listing = laptop.get(reverse("usersessions_list"))
    ended = laptop.post(reverse("usersessions_list"))

    assert b"Log out of all other devices" in listing.content
    assert ended.status_code == 302
    assert laptop.get(reverse("account_email")).status_code == 200
    phone_after = phone.get(reverse("account_email"))
    assert phone_after.status_code == 302
    assert phone_after["Location"].startswith(reverse("account_login"))


def test_log_out_needs_a_post_and_ends_the_session(client):
    UserFactory(email="leaving@example.org")
    log_in(client, "leaving@example.org")

    confirm_page = client.get(reverse("account_logout"))
    response = client.post(reverse("account_logout"))

    assert confirm_page.status_code == 200
    assert "_auth_user_id" in client.session or response.status_code == 302
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# Rate limits (the real DatabaseCache: the test database has its cache table)


def test_a_wrong_password_many_times_locks_that_address_out(client):
    UserFactory(email="target@example.org")

    for _attempt in range(5):
        log_in(client, "target@example.org", "wrong-password-guess")
    sixth = log_in(client, "target@example.org", "wrong-password-guess")
    even_right = log_in(client, "target@example.org", PASSWORD)

    assert "Too many failed login attempts" in sixth.content.decode()
    assert "Too many failed login attempts" in even_right.content.decode()
    assert "_auth_user_id" not in client.session


def test_too_many_sign_ups_from_one_address_are_refused_with_429(client):
    for attempt in range(20):
        response = client.post(reverse("account_signup"), {"email": f"bot{attempt}@example.org"})
        assert response.status_code == 200  # invalid form, but counted

    refused = client.post(reverse("account_signup"), {"email": "bot20@example.org"})

    assert refused.status_code == 429
    assert b"Too many attempts" in refused.content


def test_password_reset_requests_for_one_address_are_limited(client):
    UserFactory(email="flooded@example.org")

    responses = [
        client.post(reverse("account_reset_password"), {"email": "flooded@example.org"}) for _ in range(4)
    ]

    assert [response.status_code for response in responses] == [302, 302, 302, 429]
    assert len(mail.outbox) == 3


# Two-factor authentication


def _current_code(secret: str) -> str:
    counter = int(time.time()) // 30
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))


def test_staff_are_prompted_to_turn_on_two_factor_and_members_are_not(client_for_role):
    staff_client, _staff = client_for_role("salga_staff")
    member_client, _member = client_for_role("member")

    staff_page = staff_client.get(reverse("account_email")).content.decode()
    member_page = member_client.get(reverse("account_email")).content.decode()

    assert reverse("mfa_activate_totp") in staff_page
    assert "Protect it with two-factor authentication" in staff_page
    assert "Protect it with two-factor authentication" not in member_page


def test_turning_on_two_factor_asks_for_the_password_then_shows_a_qr_code_and_secret(user_for_role):
    staff = user_for_role("salga_staff", email="staff.member@example.org")
    client = Client()
    log_in(client, "staff.member@example.org")

    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    html = page.content.decode()
    secret = client.session[totp_auth.SECRET_SESSION_KEY]
    wrong_code = "000000" if _current_code(secret) != "000000" else "111111"
    wrong = client.post(reverse("mfa_activate_totp"), {"code": wrong_code})
    activated = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})

    assert page.status_code == 200
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)
    assert secret in html
    assert wrong.status_code == 200 and 'class="error-summary"' in wrong.content.decode()
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    after = client.get(reverse("account_email")).content.decode()
    assert "Protect it with two-factor authentication" not in after

    again = Client()
    password_step = log_in(again, "staff.member@example.org")
    assert password_step["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in again.session
    code_page = again.get(reverse("mfa_authenticate"))
    assert b"Enter your authentication code" in code_page.content


def test_django_admin_logs_in_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Every account page renders inside the hub's layout


def _assert_in_layout(response) -> None:
    html = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert 'class="skip-link"' in html and 'id="main"' in html and 'class="site-footer"' in html
    assert '<h1 class="page-title">' in html
    assert " style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "inline script"


@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done",
     "account_email_verification_sent"],
)
def test_entrance_pages_render_in_the_hub_layout(client, url_name):
    _assert_in_layout(client.get(reverse(url_name)))


@pytest.mark.parametrize(
    "url_name",
    ["account_email", "account_change_password", "mfa_index", "mfa_activate_totp", "usersessions_list",
     "account_logout", "account_reauthenticate"],
)
def test_account_pages_render_in_the_hub_layout(client, url_name):
    UserFactory(email="layout@example.org")
    log_in(client, "layout@example.org")
    reauthenticate(client)

    _assert_in_layout(client.get(reverse(url_name)))


def test_form_fields_have_labels_autocomplete_and_no_placeholders(client):
    login_html = client.get(reverse("account_login")).content.decode()
    signup_html = client.get(reverse("account_signup")).content.decode()

    assert 'for="id_login"' in login_html and 'autocomplete="email"' in login_html
    assert 'autocomplete="current-password"' in login_html
    assert 'autocomplete="name"' in signup_html and 'autocomplete="new-password"' in signup_html
    assert 'aria-describedby="id_password1-hint"' in signup_html
    assert "placeholder=" not in main_of(login_html) + main_of(signup_html)


def test_session_activity_is_written_at_most_once_per_interval_unless_the_browser_changes(settings):
    """"Last active" on the sessions page is kept without a write on every page (hub.middleware)."""
    from allauth.usersessions.models import UserSession
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from hub.middleware import UserSessionActivityMiddleware

    settings.USERSESSIONS_ACTIVITY_INTERVAL = 300
    UserFactory(email="active@example.org")
    phone = Client(HTTP_USER_AGENT="Phone")
    log_in(phone, "active@example.org")
    phone.get(reverse("account_email"))
    session = UserSession.objects.get(user__email="active@example.org")
    # within the interval: pages read nothing of the session table and write nothing
    with CaptureQueriesContext(connection) as queries:
        assert phone.get(reverse("account_email")).status_code == 200
    assert not [q for q in queries.captured_queries if "usersessions_usersession" in q["sql"]]
    # once the interval has passed, the next page records the activity
    stored = phone.session
    stored[UserSessionActivityMiddleware.SESSION_KEY][0] -= 301
    stored.save()
    UserSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now() - timezone.timedelta(hours=1))
    phone.get(reverse("account_email"))
    assert timezone.now() - UserSession.objects.get(pk=session.pk).last_seen_at < timezone.timedelta(minutes=1)
    # a different browser on the same session is written at once (allauth's client-changed signal fires)
    phone.defaults["HTTP_USER_AGENT"] = "Something else"
    phone.get(reverse("account_email"))
    assert UserSession.objects.get(pk=session.pk).user_agent == "Something else"
