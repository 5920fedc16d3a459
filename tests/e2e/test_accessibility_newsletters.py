"""axe-core over the newsletters' pages (issue 5) in states reached by using them: no violation of impact "serious" or
"critical" is allowed (the shared helper tests/e2e/test_accessibility.assert_no_serious_violations).

The pages as they first open are checked by the two modules of the engineers who built them:
- tests/e2e/test_newsletter_publishing_pages.py: index, archive, issue web version, publisher dashboard, list form,
  compose form, preview, draft issue page, send confirmation, schedule, and the issue page while sending;
- tests/e2e/test_accessibility_newsletter_subscribers.py: sign-up form (and submitted empty), "check your email",
  confirmation, manage page, unsubscribe confirmation, a bad link, "your newsletters", import and erasure forms.

This module checks what those do not: the states after an action. A sign-up with a malformed address; the
confirmation and unsubscribe pages once done; a new list submitted empty; a compose form with a subject missing and
a block naming nothing; a test send to a malformed address; a preview whose block can no longer be shown; the issue
page and its report once an issue was really sent (with an unsubscribe and a bounce counted); an issue page paused
mid-send; and an import refused with its per-row error report. Phone (390x844) and desktop (1280x900) where the
layout differs. A screenshot of each is saved for a person to look at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from newsletters import tokens
from newsletters.models import Audience, Delivery, Issue, Subscription
from newsletters.services import dispatch
from newsletters.services import issues as issue_services
from newsletters.services.subscriptions import handle_bounce, unsubscribe
from resources.models import Resource
from tests.e2e.conftest import DESKTOP, PHONE, click_and_wait, sign_in
from tests.e2e.test_accessibility import assert_no_serious_violations
from tests.factories import make_user_with_role
from tests.newsletters.factories import NewsletterFactory, SubscriberFactory, SubscriptionFactory
from tests.resources.factories import ResourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LIST = "/newsletters/hub-update"
BAD_ROWS_CSV = (
    "email,name,municipality code,consent basis,consent date\n"
    "thandiwe@example.org,Thandiwe Mokoena,CPT,Signed the register at the LED summit,2025-03-04\n"
    "not-an-address,Sipho Ndlovu,ETH,Signed the register at the LED summit,2025-03-04\n"
    "lerato@example.org,Lerato Moloi,NOPE,,2025-03-04\n"
    "johan@example.org,Johan Botha,WC044,Asked by email,2999-01-01\n"
)


@pytest.fixture
def world(settings) -> dict[str, Any]:
    """A public list with subscribers; a draft, an issue really sent (to in-memory mail) that one reader left through
    and one address bounced, an issue paused mid-send, and a draft whose featured resource was since withdrawn."""
    settings.NEWSLETTER_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_REQUIRE_APPROVAL = False
    publisher = make_user_with_role("newsletter_publisher", full_name="Palesa Mahlangu")
    newsletter = NewsletterFactory(name="Knowledge Hub update", slug="hub-update", audience=Audience.PUBLIC,
                                   description="New resources, events and discussions every month.")
    subscriptions = [SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(
        email=f"reader{number}@example.org")) for number in range(8)]
    pending = SubscriptionFactory(newsletter=newsletter, status=Subscription.Status.PENDING, consent=False,
                                  subscriber=SubscriberFactory(email="pending@example.org"))
    pending.consents.create(method="form", wording=newsletter.consent_wording)
    guide = ResourceFactory(title="Setting water tariffs: a practical guide", slug="water-tariffs",
                            summary="How to set fair, cost-reflective water tariffs, step by step.")
    withdrawn = ResourceFactory(title="Revenue enhancement toolkit", slug="revenue-toolkit")
    body = f"## This month\n\nA guide for **finance teams**.\n\n{{{{ resource: {guide.slug} }}}}\n"

    def issue(subject: str, text: str = body) -> Issue:
        return issue_services.create_issue(newsletter=newsletter, acting_user=publisher, subject=subject,
                                           preheader="Tariffs and revenue", body=text)

    draft = issue("July on the hub")
    sent = issue("June on the hub")
    dispatch.start_send(issue=sent, acting_user=publisher)  # tasks run at once in tests: sent when this returns
    unsubscribe(subscription=subscriptions[0], issue_id=sent.pk)
    bounced = Delivery.objects.get(issue=sent, subscription=subscriptions[1])
    handle_bounce(email=bounced.email, hard=True, message_ids=[bounced.message_id])
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "email", "newsletters"]}}  # the next send waits
    paused = issue("May on the hub")
    dispatch.start_send(issue=paused, acting_user=publisher)
    first = Delivery.objects.filter(issue=paused).order_by("pk").values_list("pk", flat=True)[:3]
    Delivery.objects.filter(pk__in=list(first)).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    dispatch.pause_send(issue=paused, acting_user=publisher)
    broken = issue("April on the hub", text=f"{body}\n{{{{ resource: {withdrawn.slug} }}}}\n")
    Resource.objects.filter(pk=withdrawn.pk).update(visibility=Resource.Visibility.MEMBERS)
    assert Issue.objects.get(pk=sent.pk).status == Issue.Status.SENT
    return {
        "publisher": publisher,
        "ids": {
            "draft": draft.pk, "sent": sent.pk, "paused": paused.pk, "broken": broken.pk,
            "confirm": tokens.make_confirm_token(subscription=pending),
            "unsubscribe": tokens.make_unsubscribe_token(subscription=subscriptions[2]),
        },
    }


# --- what to do on each page before checking it ---------------------------------------------------------------


def sign_up_with_a_malformed_address(page: Any) -> None:
    page.get_by_label("Email address").fill("nomvula at example dot org")
    page.get_by_label("I agree that SALGA may send me this newsletter").check()
    click_and_wait(page, page.get_by_role("button", name="Subscribe", exact=True))
    assert "correct format" in page.locator(".error-summary").inner_text()


def press(name: str, heading: str) -> Callable[[Any], None]:
    def action(page: Any) -> None:
        click_and_wait(page, page.locator("main").get_by_role("button", name=name))
        assert page.get_by_role("heading", name=heading).is_visible()

    return action


def submit_empty(page: Any) -> None:
    form = page.locator("main form").filter(has=page.locator("button[type=submit]")).last
    form.evaluate("form => { form.noValidate = true; }")
    click_and_wait(page, form.locator("button[type=submit]").first)
    summary_says_what_is_missing(page)


def summary_says_what_is_missing(page: Any) -> None:
    """One error summary whose every line names its question (GOV.UK: "Enter a subject", not "This field is
    required")."""
    assert page.locator(".error-summary").count() == 1
    lines = page.locator(".error-summary li").all_inner_texts()
    assert lines and not [line for line in lines if "This field is required" in line], lines


def compose_with_errors(page: Any) -> None:
    page.get_by_label("Subject", exact=True).fill("")
    page.get_by_label("Body (optional)", exact=True).fill("## Hello\n\n{{ resource: no-such-resource }}\n")
    click_and_wait(page, page.get_by_role("button", name="Save draft"))
    summary_says_what_is_missing(page)
    assert "Enter a subject." in page.locator(".error-summary").inner_text()


def send_a_test_to_a_malformed_address(page: Any) -> None:
    page.get_by_label("Send a test to").fill("editor@example.org, not an address")
    click_and_wait(page, page.get_by_role("button", name="Send test"))
    assert page.locator(".error-summary").count() == 1


def import_a_file_with_bad_rows(page: Any) -> None:
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "subscribers.csv", "mimeType": "text/csv", "buffer": BAD_ROWS_CSV.encode()}]
    )
    page.get_by_label("Everyone in this file agreed").check()
    click_and_wait(page, page.get_by_role("button", name="Check and import"))
    assert page.get_by_role("heading", name="Nothing was imported: 3 rows have problems").is_visible()
    assert page.locator("#row-3").get_by_text("not a valid email address").is_visible()


@dataclass(frozen=True)
class Check:
    name: str
    path: str
    publisher: bool = False
    action: Callable[[Any], None] | None = None
    status: int = 200
    phone: bool = False

    @property
    def id(self) -> str:
        return self.name + (":phone" if self.phone else "")


CHECKS = [
    Check("sign-up-malformed-address", LIST + "/subscribe/", action=sign_up_with_a_malformed_address),
    Check("sign-up-malformed-address", LIST + "/subscribe/", action=sign_up_with_a_malformed_address, phone=True),
    Check("confirmed", "/newsletters/confirm/{confirm}/", action=press("Confirm my subscription",
                                                                       "You are subscribed")),
    Check("unsubscribed", "/newsletters/unsubscribe/{unsubscribe}/", action=press("Unsubscribe",
                                                                                 "You are unsubscribed")),
    Check("unsubscribed", "/newsletters/unsubscribe/{unsubscribe}/", phone=True,
          action=press("Unsubscribe", "You are unsubscribed")),
    Check("new-list-errors", "/newsletters/manage/lists/new/", publisher=True, action=submit_empty),
    Check("compose-errors", "/newsletters/manage/lists/hub-update/issues/new/", publisher=True,
          action=compose_with_errors),
    Check("compose-errors", "/newsletters/manage/lists/hub-update/issues/new/", publisher=True,
          action=compose_with_errors, phone=True),
    Check("test-send-errors", "/newsletters/manage/issues/{draft}/", publisher=True,
          action=send_a_test_to_a_malformed_address),
    Check("preview-block-problem", "/newsletters/manage/issues/{broken}/preview/", publisher=True),
    Check("issue-sent-with-report", "/newsletters/manage/issues/{sent}/", publisher=True),
    Check("issue-sent-with-report", "/newsletters/manage/issues/{sent}/", publisher=True, phone=True),
    Check("email-as-sent", "/newsletters/manage/issues/{sent}/preview/", publisher=True),
    Check("issue-paused", "/newsletters/manage/issues/{paused}/", publisher=True),
    Check("issue-paused", "/newsletters/manage/issues/{paused}/", publisher=True, phone=True),
    Check("import-row-errors", "/newsletters/manage/subscribers/hub-update/import/", publisher=True,
          action=import_a_file_with_bad_rows),
    Check("import-row-errors", "/newsletters/manage/subscribers/hub-update/import/", publisher=True,
          action=import_a_file_with_bad_rows, phone=True),
]


@pytest.mark.parametrize("check", CHECKS, ids=[check.id for check in CHECKS])
def test_newsletter_page_after_use_has_no_serious_accessibility_violations(check: Check, world, new_context,
                                                                           live_server, screenshot_dir):
    # Given a browser for a visitor or the publisher, at phone or desktop width
    context = new_context(bypass_csp=True, viewport=PHONE if check.phone else DESKTOP)
    if check.publisher:
        sign_in(context, live_server, world["publisher"])
    page = context.new_page()

    # When the page is opened and used
    response = page.goto(check.path.format(**world["ids"]))
    assert response is not None and response.status == check.status, f"{check.path} answered {response.status}"
    if check.action is not None:
        check.action(page)
    page.screenshot(path=str(screenshot_dir / f"newsletters-a11y-{check.id.replace(':', '-')}.png"),
                    full_page=True)

    # Then axe finds nothing serious or critical
    assert_no_serious_violations(page, f"newsletters {check.id}", screenshot_dir)
