"""axe-core checks every page built so far in Chromium: no violation of impact "serious" or "critical" is allowed;
lesser ones are printed. One test per page (and per width where the layout differs), so a failure names the page.

axe is injected with Playwright in a context that bypasses the CSP: the site's CSP rightly forbids the inline script
axe needs, and bypassing it only for the checker changes nothing that is checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hub.models import Profile
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.factories import ExpertiseAreaFactory, make_user_with_role, organisation_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE_SCRIPT = Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js")
BLOCKING_IMPACTS = {"serious", "critical"}


@dataclass(frozen=True)
class Case:
    """One page to check: who looks at it, where, the status the page must answer with, and an optional action
    (`submit_empty`: submit the first form in <main> with browser validation off, to check the error state)."""

    role: str
    path: str
    status: int = 200
    submit_empty: bool = False
    phone: bool = False

    @property
    def id(self) -> str:
        label = f"{self.role}:{self.path}"
        if self.submit_empty:
            label += ":errors"
        if self.phone:
            label += ":phone"
        return label


# {listed} and {pending} are replaced by the user id of a listed member and of a person waiting for verification.
CASES = [
    Case("visitor", "/"),
    Case("visitor", "/", phone=True),
    Case("visitor", "/accounts/login/"),
    Case("visitor", "/accounts/login/", submit_empty=True),
    Case("visitor", "/accounts/signup/"),
    Case("visitor", "/accounts/signup/", submit_empty=True),
    Case("visitor", "/accounts/signup/", submit_empty=True, phone=True),
    Case("visitor", "/accounts/password/reset/"),
    Case("visitor", "/municipalities/"),
    Case("visitor", "/municipalities/", phone=True),
    Case("visitor", "/municipalities/CPT/"),
    Case("visitor", "/municipalities/DC10/"),
    Case("visitor", "/search/?q=cape"),
    Case("visitor", "/search/?q=zzzz-nothing"),
    Case("visitor", "/privacy/"),
    Case("visitor", "/terms/"),
    Case("visitor", "/accessibility/"),
    Case("visitor", "/no-such-page/", status=404),
    Case("visitor", "/municipalities/NOPE/", status=404),
    Case("member", "/"),
    Case("member", "/people/"),
    Case("member", "/people/", phone=True),
    Case("member", "/people/?province=WC"),
    Case("member", "/experts/"),
    Case("member", "/people/{listed}/"),
    Case("member", "/people/{listed}/contact/"),
    Case("member", "/people/{listed}/contact/", submit_empty=True),
    Case("member", "/search/?q=cape"),
    Case("member", "/accounts/profile/"),
    Case("member", "/accounts/profile/", phone=True),
    Case("member", "/accounts/profile/verification/"),
    Case("member", "/accounts/my-data/"),
    Case("member", "/accounts/delete/"),
    Case("member", "/accounts/email/"),
    Case("member", "/accounts/password/change/"),
    Case("member", "/accounts/2fa/"),
    Case("member", "/accounts/sessions/"),
    Case("member", "/manage/", status=403),
    Case("site_administrator", "/manage/"),
    Case("site_administrator", "/manage/people/"),
    Case("site_administrator", "/manage/people/", phone=True),
    Case("site_administrator", "/manage/people/{listed}/roles/"),
    Case("site_administrator", "/manage/verifications/"),
    Case("site_administrator", "/manage/verifications/{pending}/"),
    Case("site_administrator", "/manage/audit/"),
]


@pytest.fixture
def people() -> dict[str, Any]:
    """A listed member who is also an expert, a person waiting for verification, and the viewers."""
    water = ExpertiseAreaFactory(name="Water and sanitation", slug="water-and-sanitation")
    listed = make_user_with_role("member", full_name="Thandiwe Khâi-Ma Ndlovu", email="thandiwe@example.org")
    profile = Profile.objects.get(user=listed)
    profile.organisation = organisation_for("CPT")
    profile.job_title = "Manager: Water Services"
    profile.function = "technical_services"
    profile.bio = "Leads water demand management. <script>alert(1)</script>"
    profile.languages = ["en", "xh", "ve"]
    profile.listed_in_directory = True
    profile.available_as_expert = True
    profile.save()
    profile.expertise.add(water)

    pending = make_user_with_role("member", full_name="Sipho Mokoena", email="sipho@example.org")
    pending_profile = Profile.objects.get(user=pending)
    pending_profile.organisation = organisation_for("DC10")
    pending_profile.affiliation_status = Profile.Affiliation.PENDING
    pending_profile.affiliation_note = "Deputy director, LED"
    pending_profile.affiliation_requested_at = timezone.now()
    pending_profile.save()

    return {
        "listed": listed,
        "pending": pending,
        "member": make_user_with_role("member", full_name="Lerato Dlamini"),
        "site_administrator": make_user_with_role("site_administrator", full_name="Admin Person"),
    }


def run_axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def assert_no_serious_violations(page: Any, label: str, screenshot_dir: Path) -> None:
    """Run axe on the page: print lesser findings; fail on serious or critical ones, with a screenshot."""
    violations = run_axe(page)
    blocking = [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]
    minor = [violation for violation in violations if violation["impact"] not in BLOCKING_IMPACTS]
    if minor:
        print(f"\n{label}: minor accessibility findings\n{describe(minor)}")
    if blocking:
        name = label.replace("/", "_").replace(":", "-").replace("?", "_")
        page.screenshot(path=str(screenshot_dir / f"axe-{name}.png"), full_page=True)
    assert not blocking, f"{label}: serious accessibility violations\n{describe(blocking)}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_page_has_no_serious_accessibility_violations(case: Case, people, new_context, live_server, screenshot_dir):
    # Given a browser for this role, at desktop or phone width
    context = new_context(bypass_csp=True, viewport=PHONE if case.phone else DESKTOP)
    if case.role != "visitor":
        sign_in(context, live_server, people[case.role])
    page = context.new_page()
    path = case.path.format(listed=people["listed"].pk, pending=people["pending"].pk)

    # When the page is opened (and, for an error state, its form submitted empty)
    response = page.goto(path)
    assert response is not None
    assert response.status == case.status, f"{path} answered {response.status}, expected {case.status}"
    if case.submit_empty:
        form = page.locator("main form").first
        form.evaluate("form => { form.noValidate = true; }")
        for field in form.locator("input[type=text], input[type=email], input[type=password], textarea").all():
            field.fill("")
        with page.expect_navigation():
            form.locator("button[type=submit], input[type=submit]").last.click()
        assert page.locator("[data-error-summary], .error-summary, .form-group--error").count() > 0, (
            f"{path}: submitting the form empty showed no errors"
        )

    # Then axe finds nothing serious or critical
    assert_no_serious_violations(page, case.id, screenshot_dir)


def test_every_page_keeps_the_shared_landmarks(people, new_context, live_server):
    # Given a visitor on phone width
    page = new_context(viewport=PHONE).new_page()

    # When they open the home page
    page.goto("/")

    # Then the skip link leads to <main>, and the header, navigation and footer are present
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.bounding_box()["y"] >= 0, "the skip link must become visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert page.get_by_role("banner").get_by_role("search").is_visible()
    assert page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice (POPIA)").is_visible()
    # And the stylesheet and scripts loaded from the site itself (the header band is coloured, htmx is there)
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == "rgb(0, 87, 58)"
    assert page.evaluate("typeof window.htmx") == "object"
    # And nothing is wider than the phone screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_header_search_leads_to_search_page(people, page):
    # Given a visitor on the home page
    page.goto("/")

    # When they search from the header
    header = page.get_by_role("banner")
    header.get_by_role("searchbox", name="Search the hub").fill("Cape Town")
    header.get_by_role("button", name="Search").click()

    # Then the search page shows what they asked for
    page.wait_for_url("**/search/?q=Cape+Town")
    assert page.get_by_role("banner").get_by_role("searchbox").input_value() == "Cape Town"
    assert page.get_by_role("heading", level=1).is_visible()


def test_error_summary_takes_focus_and_links_to_the_field(people, page):
    # Given the sign-up form submitted empty
    page.goto("/accounts/signup/")
    form = page.locator("main form").first
    form.evaluate("form => { form.noValidate = true; }")
    with page.expect_navigation():
        form.locator("button[type=submit]").last.click()

    # Then the error summary has focus (hub.js) and its first link moves focus to the field in error
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert summary.evaluate("element => element === document.activeElement")
    first_link = summary.get_by_role("link").first
    target_id = first_link.get_attribute("href").lstrip("#")
    first_link.click()
    assert page.evaluate("document.activeElement.id") == target_id
    field = page.locator(f"#{target_id}")
    assert field.get_attribute("aria-invalid") == "true"
    described_by = field.get_attribute("aria-describedby") or ""
    assert f"{target_id}-error" in described_by or any(
        page.locator(f"#{ref}.error-message").count() for ref in described_by.split()
    )
