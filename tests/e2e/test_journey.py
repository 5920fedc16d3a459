"""The member journey in a real browser (issue 2): sign up, open the verification email, log in, complete the profile,
opt into the directory, appear in it for another member, opt out, disappear."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from hub.models import Profile, User
from tests.e2e.conftest import PASSWORD, log_in_with_form
from tests.factories import ExpertiseAreaFactory, make_user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NAME = "Nomsa Khâi-Ma Tshivhase"
EMAIL = "nomsa.tshivhase@example.org"
NEW_PASSWORD = "Blue-Crane-River-4471"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)")


def confirmation_path() -> str:
    """The path of the confirmation link in the last email sent to EMAIL."""
    messages = [message for message in mail.outbox if EMAIL in message.to]
    assert messages, f"no email was sent to {EMAIL}; outbox holds {[m.to for m in mail.outbox]}"
    body = messages[-1].body
    match = CONFIRM_LINK.search(body)
    assert match, f"no confirmation link in the email:\n{body}"
    return match.group(1)


def directory_names(page: Any) -> list[str]:
    return [name.strip() for name in page.locator("main .result__title").all_inner_texts()]


def save_profile(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save your profile").click()
    assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()


def test_sign_up_verify_complete_profile_appear_in_directory_then_opt_out(new_context, screenshot_dir):
    # Given an expertise area to choose and another member who will look at the directory
    ExpertiseAreaFactory(name="Water and sanitation", slug="water-and-sanitation")
    colleague = make_user_with_role("member", full_name="Lerato Dlamini", email="lerato@example.org")

    # When a newcomer signs up
    newcomer = new_context().new_page()
    newcomer.goto("/accounts/signup/")
    newcomer.get_by_label("Full name").fill(NAME)
    newcomer.get_by_label("Email address").fill(EMAIL)
    newcomer.get_by_label("Create a password").fill(NEW_PASSWORD)
    newcomer.get_by_label("Confirm password").fill(NEW_PASSWORD)
    with newcomer.expect_navigation():
        newcomer.get_by_role("button", name="Create account").click()

    # Then they are asked to check their email, and cannot use the directory yet
    assert newcomer.get_by_role("heading", name="Check your email").is_visible()
    user = User.objects.get(email=EMAIL)
    assert user.full_name == NAME
    assert not user.emailaddress_set.get(email=EMAIL).verified

    # When they open the link in the verification email and confirm
    newcomer.goto(confirmation_path())
    assert newcomer.get_by_role("heading", name="Confirm your email address").is_visible()
    with newcomer.expect_navigation():
        newcomer.get_by_role("button", name="Confirm").click()
    assert user.emailaddress_set.get(email=EMAIL).verified

    # And log in with their email address and password (logging out first if confirming signed them in)
    log_out = newcomer.get_by_role("banner").get_by_role("button", name="Log out")
    if log_out.count():
        with newcomer.expect_navigation():
            log_out.click()
    log_in_with_form(newcomer, EMAIL, NEW_PASSWORD)
    assert newcomer.get_by_role("banner").get_by_role("button", name="Log out").is_visible()

    # And complete their profile, opting into the directory
    newcomer.goto("/accounts/profile/")
    organisation = newcomer.get_by_label("Organisation")
    organisation.select_option(organisation.locator("option", has_text="City of Cape Town").first.get_attribute("value"))
    newcomer.get_by_label("Job title").fill("Manager: Water Demand")
    newcomer.get_by_label("Function").select_option(label="Technical services / engineer")
    newcomer.get_by_label("Water and sanitation").check()
    newcomer.get_by_label("List me in the member directory").check()
    save_profile(newcomer)

    profile = Profile.objects.get(user=user)
    assert profile.listed_in_directory
    assert profile.job_title == "Manager: Water Demand"
    assert profile.organisation.municipality.code == "CPT"
    assert list(profile.expertise.values_list("slug", flat=True)) == ["water-and-sanitation"]

    # Then a second member, in another browser, finds them in the member directory
    other = new_context().new_page()
    log_in_with_form(other, colleague.email, PASSWORD)
    other.goto("/people/")
    assert NAME in directory_names(other)
    other.get_by_role("link", name=NAME).click()
    other.wait_for_load_state()
    assert other.get_by_role("heading", level=1, name=NAME).is_visible()
    assert EMAIL not in other.content(), "a member's email address must never be shown"
    person_url = other.url
    other.screenshot(path=str(screenshot_dir / "journey-person.png"), full_page=True)

    # When the newcomer opts out of the directory again
    newcomer.goto("/accounts/profile/")
    newcomer.get_by_label("List me in the member directory").uncheck()
    save_profile(newcomer)
    assert not Profile.objects.get(user=user).listed_in_directory

    # Then they have disappeared from the directory and their page is gone for the other member
    other.goto("/people/")
    assert NAME not in directory_names(other)
    response = other.goto(person_url)
    assert response.status == 404
