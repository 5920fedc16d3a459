"""axe-core over the newsletters' subscriber pages (issue 5) in Chromium: sign-up (with its error state),
"check your email", confirmation, the token manage page, one-click unsubscribe, a bad link, "your newsletters", and
the publishers' import and erasure pages. No violation of impact "serious" or "critical" is allowed. A screenshot of
every page is saved under var/screenshots/ to look at."""

from __future__ import annotations

from typing import Any

import pytest

from newsletters import tokens
from newsletters.models import Subscription
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.e2e.test_accessibility import Case, assert_no_serious_violations
from tests.e2e.test_accessibility_networks import submit_first_form_empty
from tests.factories import make_user_with_role
from tests.newsletters.factories import NewsletterFactory, SubscriberFactory, SubscriptionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LIST = "/newsletters/hub-update"

CASES = [
    Case("visitor", LIST + "/subscribe/"),
    Case("visitor", LIST + "/subscribe/", phone=True),
    Case("visitor", LIST + "/subscribe/", submit_empty=True),
    Case("visitor", LIST + "/subscribe/", submit_empty=True, phone=True),
    Case("visitor", LIST + "/subscribe/sent/"),
    Case("visitor", "/newsletters/confirm/{confirm}/"),
    Case("visitor", "/newsletters/confirm/not-a-token/", status=400),
    Case("visitor", "/newsletters/preferences/{manage}/"),
    Case("visitor", "/newsletters/preferences/{manage}/", phone=True),
    Case("visitor", "/newsletters/unsubscribe/{unsubscribe}/"),
    Case("visitor", "/newsletters/unsubscribe/{unsubscribe}/", phone=True),
    Case("member", LIST + "/subscribe/"),
    Case("member", "/newsletters/my/"),
    Case("member", "/newsletters/my/", phone=True),
    Case("publisher", "/newsletters/manage/subscribers/hub-update/import/"),
    Case("publisher", "/newsletters/manage/subscribers/hub-update/import/", phone=True),
    Case("publisher", "/newsletters/manage/subscribers/erase/", submit_empty=True),
]


@pytest.fixture
def world() -> dict[str, Any]:
    newsletter = NewsletterFactory(name="Knowledge Hub update", slug="hub-update",
                                   description="New resources, events and discussions from the LG Knowledge Hub.")
    NewsletterFactory(name="Water services bulletin", slug="water",
                      description="What water services managers are learning from each other.")
    subscribed = SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(
        email="naledi@example.org", name="Naledi Khumalo"))
    pending = SubscriptionFactory(newsletter=newsletter, status=Subscription.Status.PENDING, consent=False)
    pending.consents.create(method="form", wording=newsletter.consent_wording)
    member = make_user_with_role("member", full_name="Lerato Dlamini")
    return {
        "people": {"member": member, "publisher": make_user_with_role("newsletter_publisher")},
        "ids": {
            "confirm": tokens.make_confirm_token(subscription=pending),
            "manage": tokens.make_manage_token(subscriber=subscribed.subscriber),
            "unsubscribe": tokens.make_unsubscribe_token(subscription=subscribed),
        },
    }


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_subscriber_page_has_no_serious_accessibility_violations(case: Case, world, new_context, live_server,
                                                                 screenshot_dir):
    # Given a browser for this person, at desktop or phone width
    context = new_context(bypass_csp=True, viewport=PHONE if case.phone else DESKTOP)
    if case.role != "visitor":
        sign_in(context, live_server, world["people"][case.role])
    page = context.new_page()
    path = case.path.format(**world["ids"])

    # When the page is opened (and, for an error state, its form sent empty)
    response = page.goto(path)
    assert response is not None and response.status == case.status, f"{path} answered {response and response.status}"
    if case.submit_empty:
        submit_first_form_empty(page, path)
    name = case.id.replace("/", "_").replace(":", "-").replace("{", "").replace("}", "")
    page.screenshot(path=str(screenshot_dir / f"newsletters-subscribers-{name}.png"), full_page=True)

    # Then axe finds nothing serious or critical
    assert_no_serious_violations(page, case.id, screenshot_dir)
