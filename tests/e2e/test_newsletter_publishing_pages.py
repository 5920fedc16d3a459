"""The newsletters' publishing and archive pages in Chromium, at phone (390x844) and desktop (1280x900) widths:
axe finds nothing serious or critical on the compose, preview, issue-progress, dashboard, archive and web-version
pages; the compose page's recipient count follows the audience checkboxes (htmx); the issue page's progress bar
moves while sending without a reload; the preview frames show the email. Screenshots of each page go to
$HUB_SCREENSHOT_DIR (var/screenshots by default) for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from newsletters.models import Audience, Delivery, Issue
from newsletters.services import dispatch
from newsletters.services import issues as issue_services
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.e2e.test_accessibility import assert_no_serious_violations
from tests.factories import make_user_with_role
from tests.networks.event_helpers import make_event, make_network
from tests.newsletters.factories import NewsletterFactory, SubscriberFactory, SubscriptionFactory
from tests.newsletters.publishing_helpers import sent_issue
from tests.resources.factories import ResourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def world(settings) -> dict[str, Any]:
    settings.NEWSLETTER_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NEWSLETTER_REQUIRE_APPROVAL = False
    # Workers are queued but not run, so an issue can be seen mid-send.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "email", "newsletters"]}}
    publisher = make_user_with_role("newsletter_publisher", full_name="Palesa Publisher")
    newsletter = NewsletterFactory(name="Knowledge Hub update", slug="hub-update", audience=Audience.PUBLIC,
                                   description="New resources, events and discussions every month.")
    for number in range(12):
        language = "zu" if number < 3 else "en"
        SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(language=language))
    water = ResourceFactory(title="Setting water tariffs: a practical guide", slug="water-tariffs",
                            summary="How municipalities set fair, cost-reflective water tariffs, step by step.")
    ResourceFactory(title="Revenue enhancement toolkit", slug="revenue-toolkit",
                    summary="Templates and checklists to improve billing and collection.")
    network = make_network(name="Municipal finance officers", slug="finance-officers")
    make_event(title="Revenue management summit", network=network, days=6, venue="Durban ICC")
    make_event(title="Webinar: the new property rates rules", days=12, venue="")
    body = (
        "## This month on the hub\n\nTwo new guides for **finance teams**, and a summit in Durban. "
        "Read more [on the hub](/resources/).\n\n"
        f"{{{{ resource: {water.slug} }}}}\n\n{{{{ resource: revenue-toolkit }}}}\n\n{{{{ events: 3 }}}}\n\n"
        "- Share the newsletter with your colleagues\n- Tell us what you want to read about\n"
    )
    draft = issue_services.create_issue(newsletter=newsletter, acting_user=publisher, subject="June on the hub",
                                        preheader="Two new guides and a summit in Durban", body=body)
    sending = issue_services.create_issue(newsletter=newsletter, acting_user=publisher, subject="May on the hub",
                                          preheader="Water, rates and revenue", body=body)
    dispatch.start_send(issue=sending, acting_user=publisher)
    first = list(Delivery.objects.filter(issue=sending).order_by("pk").values_list("pk", flat=True)[:5])
    Delivery.objects.filter(pk__in=first).update(status=Delivery.Status.SENT, sent_at=timezone.now())
    for number, month in enumerate(["April", "March", "February"]):
        issue = sent_issue(newsletter, subject=f"{month} on the hub", preheader="Resources and events", body=body,
                           slug=f"{month.lower()}-on-the-hub")
        Issue.objects.filter(pk=issue.pk).update(sent_at=timezone.now() - timedelta(days=30 * (number + 1)))
    return {"publisher": publisher, "newsletter": newsletter, "draft": draft, "sending": sending,
            "archived": Issue.objects.get(slug="april-on-the-hub")}


PAGES = [
    ("compose", lambda w: f"/newsletters/manage/issues/{w['draft'].pk}/edit/", True),
    ("preview", lambda w: f"/newsletters/manage/issues/{w['draft'].pk}/preview/", True),
    ("progress", lambda w: f"/newsletters/manage/issues/{w['sending'].pk}/", True),
    ("draft", lambda w: f"/newsletters/manage/issues/{w['draft'].pk}/", True),
    ("send-confirmation", lambda w: f"/newsletters/manage/issues/{w['draft'].pk}/send/", True),
    ("schedule", lambda w: f"/newsletters/manage/issues/{w['draft'].pk}/schedule/", True),
    ("list-form", lambda w: "/newsletters/manage/lists/hub-update/", True),
    ("dashboard", lambda w: "/newsletters/manage/", True),
    ("index", lambda w: "/newsletters/", False),
    ("archive", lambda w: "/newsletters/hub-update/", False),
    ("web-version", lambda w: w["archived"].get_absolute_url(), False),
]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name,path,signed_in", PAGES, ids=[page[0] for page in PAGES])
def test_page_is_accessible_and_captured(world, new_context, live_server, screenshot_dir, name, path, signed_in,
                                         viewport):
    context = new_context(bypass_csp=True, viewport=viewport)
    if signed_in:
        sign_in(context, live_server, world["publisher"])
    page = context.new_page()
    response = page.goto(path(world))
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    width = "phone" if viewport == PHONE else "desktop"
    page.screenshot(path=str(screenshot_dir / f"newsletters-{name}-{width}.png"), full_page=True)
    assert_no_serious_violations(page, f"newsletters-{name}-{width}", screenshot_dir)


def test_recipient_count_follows_the_audience_checkboxes(world, new_context, live_server):
    context = new_context()  # the site's own CSP applies: htmx must work under it
    sign_in(context, live_server, world["publisher"])
    page = context.new_page()
    page.goto(f"/newsletters/manage/issues/{world['draft'].pk}/edit/")
    count = page.locator("#audience-count")
    assert count.inner_text().startswith("12 ")
    page.get_by_text("Languages", exact=True).click()
    page.get_by_label("isiZulu").check()
    expect(count).to_contain_text("3 people would receive")


def test_progress_bar_moves_without_a_reload(world, new_context, live_server):
    context = new_context()
    sign_in(context, live_server, world["publisher"])
    page = context.new_page()
    page.goto(f"/newsletters/manage/issues/{world['sending'].pk}/")
    bar = page.locator("progress.send-progress__bar")
    assert bar.get_attribute("value") == "41"  # 5 of 12
    page.evaluate("window.__sameDocument = true")
    Delivery.objects.filter(issue=world["sending"], status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.SENT, sent_at=timezone.now()
    )
    expect(bar).to_have_attribute("value", "100", timeout=10_000)
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped the bar; the page was not reloaded


def test_preview_frames_show_the_email(world, new_context, live_server, screenshot_dir):
    context = new_context()
    sign_in(context, live_server, world["publisher"])
    page = context.new_page()
    page.goto(f"/newsletters/manage/issues/{world['draft'].pk}/preview/")
    frames = page.locator("iframe")
    assert frames.count() == 2
    for index in range(2):
        frame = frames.nth(index).content_frame
        frame.locator("h1").wait_for()
        assert frame.locator("h1").inner_text() == "June on the hub"
        assert frame.get_by_text("Setting water tariffs: a practical guide").count() == 1
        assert frame.get_by_role("link", name="Unsubscribe with one click").count() == 1
        # Each frame as it is on screen (a full-page capture leaves sandboxed frames below the fold blank).
        frames.nth(index).screenshot(path=str(screenshot_dir / f"newsletters-email-{('phone', 'desktop')[index]}.png"))
    # And the whole email on its own, at both widths and in dark mode.
    for width, scheme in ((375, "light"), (700, "light"), (375, "dark")):
        page.set_viewport_size({"width": width, "height": 800})
        page.emulate_media(color_scheme=scheme)
        page.goto(f"/newsletters/manage/issues/{world['draft'].pk}/preview/email/")
        page.screenshot(path=str(screenshot_dir / f"newsletters-email-{width}-{scheme}.png"), full_page=True)
