"""The newsletter journey in a real browser (issue 5), every step by clicking as a person would.

A visitor subscribes on the public sign-up form and confirms through the link in the confirmation email. A
publisher logs in, composes an issue featuring two published resources with the hub's blocks, previews it at phone
and desktop width, sends a test to a chosen address and sends the issue to the list. The send goes through a REAL
local SMTP server (aiosmtpd on loopback) and is performed by a task worker: the send enqueues worker tasks on the
database task queue, and django-tasks-db's own worker loop runs them in a thread while the publisher watches the
progress bar (htmx polling) reach 100%. The visitor then leaves through the List-Unsubscribe link of the message the
SMTP server received, a second issue goes out without them, and the first issue is in the public archive.

A second test checks RFC 8058 one-click unsubscribe as a mail provider does it: a POST with the body
`List-Unsubscribe=One-Click` to the URL in the header, with no cookies and no CSRF token.

Screenshots of each step are saved at phone (390x844) and desktop (1280x900) width in $HUB_SCREENSHOT_DIR
(var/screenshots by default)."""

from __future__ import annotations

import re
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connections

from newsletters.models import Audience, Delivery, Issue, Subscription
from newsletters.services import dispatch
from newsletters.services import issues as issue_services
from tests.e2e.conftest import PHONE, click_and_wait, log_in_with_form, shoot_both_widths
from tests.factories import make_user_with_role
from tests.newsletters.factories import NewsletterFactory, SubscriberFactory, SubscriptionFactory
from tests.newsletters.smtp_server import smtp_server  # noqa: F401 - the fixture
from tests.resources.factories import ResourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VISITOR = "nomvula.visitor@example.org"
TESTER = "comms.desk@example.org"
FIRST_SUBJECT = "Water and revenue: June on the hub"
SECOND_SUBJECT = "July on the hub"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/newsletters/confirm/[^\s]+/)")


# --- helpers ----------------------------------------------------------------------------------------------------


def shoot(page: Any, folder: Path, name: str) -> None:
    shoot_both_widths(page, folder / f"newsletters-journey-{name}")


def no_errors(page: Any) -> None:
    summary = page.locator(".error-summary, [data-error-summary]")
    assert summary.count() == 0, summary.first.inner_text()


class TaskWorker:
    """django-tasks-db's worker loop (what `manage.py db_worker --queue-name newsletters` runs) in a thread of this
    process, so it uses the test database and the settings the test set. Stopped and its connection closed at the
    end, so the database can be emptied."""

    def __init__(self) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker = Worker(
            queue_names=["newsletters"], interval=0.1, batch=False, backend_name="default", startup_delay=False,
            max_tasks=None, worker_id="journey-worker", excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, name="newsletter-worker", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.worker.run()
        except BaseException as error:  # noqa: BLE001 - reported by stop()
            self.error = error
        finally:
            connections.close_all()

    def start(self) -> TaskWorker:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.worker.running = False
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the task worker did not stop"
        assert self.error is None, f"the task worker failed: {self.error!r}"


@pytest.fixture
def task_queue(settings):
    """Tasks go to the database queue (as in production) instead of running at once; `task_queue()` starts a worker
    thread on the "newsletters" queue, stopped when the test ends."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "email", "newsletters"]}}
    workers: list[TaskWorker] = []

    def start() -> TaskWorker:
        workers.append(TaskWorker().start())
        return workers[-1]

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def newsletter_settings(settings, live_server, smtp_server):  # noqa: F811 - the fixture
    """Links in mail point at the live server; bulk mail goes to the local SMTP server; no approval step."""
    settings.SITE_URL = live_server.url
    settings.NEWSLETTER_REQUIRE_APPROVAL = False
    settings.NEWSLETTER_RATE_PER_SECOND = 0
    settings.NEWSLETTER_RATE_PER_HOUR = 0
    return settings


def plain_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def confirmation_path(address: str) -> str:
    messages = [message for message in mail.outbox if address in message.to]
    assert messages, f"no confirmation email to {address}; outbox holds {[m.to for m in mail.outbox]}"
    match = CONFIRM_LINK.search(messages[-1].body)
    assert match, f"no confirmation link in:\n{messages[-1].body}"
    return match.group(1)


def issue_messages(server: Any, address: str, subject: str) -> list[EmailMessage]:
    return [received.message for received in server.received_by(address) if received.message["Subject"] == subject]


def compose(page: Any, *, newsletter_name: str, subject: str, preheader: str, body: str) -> None:
    """From the publisher's dashboard: a new issue of the list, saved and previewed."""
    page.goto("/newsletters/manage/")
    page.get_by_role("link", name=f"New issue of {newsletter_name}").click()
    page.get_by_label("Subject", exact=True).fill(subject)
    page.get_by_label("Preheader (optional)", exact=True).fill(preheader)
    page.get_by_label("Body (optional)", exact=True).fill(body)
    click_and_wait(page, page.get_by_role("button", name="Save and preview"))
    no_errors(page)


def send_now(page: Any, recipients: int) -> None:
    """From the issue page: Send now, confirm the count, and land on the issue page while it sends."""
    page.locator("main").get_by_role("link", name="Send now").click()
    people = "person" if recipients == 1 else "people"
    assert page.get_by_role("heading", level=1).inner_text().endswith(f"to {recipients} {people} now?")
    click_and_wait(page, page.get_by_role("button", name=f"Yes, send to {recipients} {people}"))
    assert page.get_by_text(f"Sending to {recipients} people has started.").is_visible()


def wait_until_sent(page: Any) -> None:
    """The bar reaches 100% in the page: htmx polls the progress partial, and when the send finishes the partial
    asks htmx to reload the page so its buttons match (HX-Refresh)."""
    page.wait_for_function(
        "() => { const bar = document.querySelector('progress.send-progress__bar');"
        " return bar !== null && bar.value === 100 && document.body.innerText.includes('Finished.'); }",
        timeout=30_000,
    )


# --- the journey -----------------------------------------------------------------------------------------------


def test_subscribe_confirm_compose_preview_test_send_watch_unsubscribe_and_find_it_in_the_archive(
    new_context, live_server, newsletter_settings, smtp_server, task_queue, screenshot_dir  # noqa: F811
):
    # Given a public list with ten confirmed subscribers, two published public resources, and a publisher
    newsletter = NewsletterFactory(
        name="Knowledge Hub update", slug="hub-update", audience=Audience.PUBLIC,
        description="New resources, events and discussions from the LG Knowledge Hub, once a month.",
        sender_name="SALGA Knowledge Hub", sender_email="newsletter@salga.org.za",
    )
    others = [SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(email=f"reader{n}@example.org"))
              for n in range(10)]
    tariffs = ResourceFactory(title="Setting water tariffs: a practical guide", slug="water-tariffs",
                              summary="How to set fair, cost-reflective water tariffs, step by step.")
    revenue = ResourceFactory(title="Revenue enhancement toolkit for small municipalities", slug="revenue-toolkit",
                              summary="Templates and checklists to improve billing and collection.")
    publisher = make_user_with_role("newsletter_publisher", full_name="Palesa Mahlangu", email="palesa@example.org")

    # When a visitor, on a phone, finds the newsletter and signs up
    visitor = new_context(viewport=PHONE).new_page()
    visitor.goto("/newsletters/")
    shoot(visitor, screenshot_dir, "01-index")
    visitor.get_by_role("link", name="Subscribe to Knowledge Hub update").click()
    visitor.get_by_label("Email address").fill(VISITOR)
    visitor.get_by_label("Your name").fill("Nomvula Dlamini")
    visitor.get_by_label("Municipality you work for or live in").select_option(label="City of Cape Town (Western Cape)")
    visitor.get_by_label(str(newsletter.consent_wording)).check()
    shoot(visitor, screenshot_dir, "02-sign-up-form")
    click_and_wait(visitor, visitor.get_by_role("button", name="Subscribe", exact=True))
    no_errors(visitor)

    # Then they are asked to confirm by email, and nothing is subscribed yet
    assert visitor.get_by_role("heading", name="Check your email").is_visible()
    shoot(visitor, screenshot_dir, "03-check-your-email")
    subscription = Subscription.objects.get(subscriber__email=VISITOR, newsletter=newsletter)
    assert subscription.status == Subscription.Status.PENDING

    # When they open the link in the confirmation email and press the button
    visitor.goto(confirmation_path(VISITOR))
    shoot(visitor, screenshot_dir, "04-confirm")
    click_and_wait(visitor, visitor.get_by_role("button", name="Confirm my subscription"))

    # Then they are subscribed, with a confirmed consent record carrying the wording they agreed to
    assert visitor.get_by_role("heading", name="You are subscribed").is_visible()
    shoot(visitor, screenshot_dir, "05-subscribed")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUBSCRIBED
    consent = subscription.consents.get()
    assert consent.method == "form" and consent.confirmed_at is not None
    assert consent.wording == str(newsletter.consent_wording)

    # When the publisher logs in and composes an issue featuring the two resources
    publishing = new_context().new_page()
    log_in_with_form(publishing, publisher.email)
    body = (
        "## New on the hub\n\n"
        "Two practical tools for **finance and water teams** this month.\n\n"
        f"{{{{ resource: {tariffs.slug} }}}}\n\n"
        f"{{{{ resource: {live_server.url}/resources/{revenue.slug}/ }}}}\n\n"
        "Tell us what you would like to read about: reply to this email.\n"
    )
    compose(publishing, newsletter_name=newsletter.name, subject=FIRST_SUBJECT,
            preheader="A tariff guide and a revenue toolkit", body=body)

    # Then the preview shows the email at phone and at desktop width, both with the two resource cards
    assert publishing.get_by_role("heading", level=1).inner_text() == f"Preview: {FIRST_SUBJECT}"
    frames = publishing.locator("iframe")
    assert frames.count() == 2
    assert {frames.nth(0).get_attribute("width"), frames.nth(1).get_attribute("width")} == {"375", "700"}
    for index in range(2):
        frame = frames.nth(index).content_frame
        frame.get_by_text(tariffs.title).wait_for()
        assert frame.get_by_text(revenue.title).count() == 1
    assert tariffs.title in publishing.locator("pre.preview-text").inner_text()
    shoot(publishing, screenshot_dir, "06-preview")
    # Chromium paints a frame in a full-length screenshot only while it is in view: capture the email on its own too.
    email_alone = publishing.context.new_page()
    email_alone.goto(frames.first.get_attribute("src"))
    shoot(email_alone, screenshot_dir, "06-preview-email")
    email_alone.close()

    # When they send a test to a chosen address
    click_and_wait(publishing, publishing.get_by_role("link", name="Back to the issue"))
    issue = Issue.objects.get(subject=FIRST_SUBJECT)
    publishing.get_by_label("Send a test to").fill(TESTER)
    click_and_wait(publishing, publishing.get_by_role("button", name="Send test"))
    no_errors(publishing)

    # Then only the test address got it, over SMTP, marked as a test; no delivery was written
    assert publishing.get_by_text(f"A test was sent to {TESTER}.").is_visible()
    shoot(publishing, screenshot_dir, "07-test-sent")
    tests = issue_messages(smtp_server, TESTER, f"[Test] {FIRST_SUBJECT}")
    assert len(tests) == 1
    assert tariffs.title in plain_text(tests[0]) and revenue.title in html_part(tests[0])
    assert len(smtp_server.messages) == 1
    assert not Delivery.objects.filter(issue=issue).exists()

    # When they send it to the list (the workers' tasks wait in the queue until a worker runs)
    send_now(publishing, recipients=11)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING and issue.recipient_count == 11
    bar = publishing.locator("progress.send-progress__bar")
    assert bar.get_attribute("value") == "0"
    shoot(publishing, screenshot_dir, "08-sending")

    # And a worker picks the send up while they watch the issue page
    polls: list[str] = []
    publishing.on("request", lambda request: polls.append(request.url) if "/progress/" in request.url else None)
    task_queue()
    wait_until_sent(publishing)

    # Then the bar reached 100% in the page, updated by htmx polling, and the issue is sent to all 11
    assert polls, "the progress bar was never polled"
    assert publishing.locator(".tag", has_text="Sent").first.is_visible()
    assert "11 of 11 sent" in publishing.locator("#progress-summary").inner_text()
    shoot(publishing, screenshot_dir, "09-sent-with-report")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT).count() == 11
    for address in [VISITOR] + [subscription.subscriber.email for subscription in others]:
        assert len(issue_messages(smtp_server, address, FIRST_SUBJECT)) == 1, address

    # And the visitor's message is the issue, with their own one-click unsubscribe headers
    received = issue_messages(smtp_server, VISITOR, FIRST_SUBJECT)[0]
    assert tariffs.title in plain_text(received) and revenue.title in plain_text(received)
    assert f'href="{live_server.url}/resources/{tariffs.slug}/"' in html_part(received)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["List-Id"] == newsletter.list_id
    unsubscribe_url = received["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe_url.startswith(f"{live_server.url}/newsletters/unsubscribe/")
    assert unsubscribe_url in plain_text(received)  # the same link is in the footer
    inbox = new_context(viewport=PHONE).new_page()
    inbox.set_content(html_part(received))
    shoot(inbox, screenshot_dir, "09-received-email")

    # When the visitor opens the unsubscribe link from the message and confirms
    visitor.goto(unsubscribe_url)
    assert visitor.get_by_role("heading", name="Unsubscribe from Knowledge Hub update?").is_visible()
    shoot(visitor, screenshot_dir, "10-unsubscribe-confirm")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUBSCRIBED  # opening the link changed nothing
    click_and_wait(visitor, visitor.get_by_role("button", name="Unsubscribe"))

    # Then they are unsubscribed, and the issue's report counts them
    assert visitor.get_by_role("heading", name="You are unsubscribed").is_visible()
    shoot(visitor, screenshot_dir, "11-unsubscribed")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.ended_by_issue_id == issue.pk
    publishing.goto(f"/newsletters/manage/issues/{issue.pk}/")
    report = publishing.locator("section", has=publishing.get_by_role("heading", name="Report"))
    assert report.get_by_role("row", name="Unsubscribed by this issue").get_by_role("cell").first.inner_text() == "1"
    shoot(publishing, screenshot_dir, "12-report")

    # When the publisher sends a second issue
    compose(publishing, newsletter_name=newsletter.name, subject=SECOND_SUBJECT, preheader="More from the hub",
            body="## July\n\nA short update.\n\n{{ resource: revenue-toolkit }}\n")
    click_and_wait(publishing, publishing.get_by_role("link", name="Back to the issue"))
    send_now(publishing, recipients=10)
    wait_until_sent(publishing)

    # Then the ten others received it and the visitor received nothing more
    for subscription_of_other in others:
        assert len(issue_messages(smtp_server, subscription_of_other.subscriber.email, SECOND_SUBJECT)) == 1
    assert issue_messages(smtp_server, VISITOR, SECOND_SUBJECT) == []
    assert len(smtp_server.received_by(VISITOR)) == 1
    assert not Delivery.objects.filter(issue__subject=SECOND_SUBJECT, email=VISITOR).exists()

    # And the first issue is in the public archive, and its web version opens with the resources
    reader = new_context().new_page()
    reader.goto(f"/newsletters/{newsletter.slug}/")
    archive_titles = reader.locator("main .result__title").all_inner_texts()
    assert FIRST_SUBJECT in archive_titles and SECOND_SUBJECT in archive_titles
    shoot(reader, screenshot_dir, "13-archive")
    reader.get_by_role("link", name=FIRST_SUBJECT).click()
    assert reader.get_by_role("heading", level=1).inner_text() == FIRST_SUBJECT
    content = reader.locator(".newsletter-web__content")
    assert content.get_by_role("link", name=tariffs.title).count() == 1
    assert content.get_by_role("link", name=revenue.title).count() == 1
    assert "unsubscribe" not in content.inner_text().lower()  # the web version has nobody's links
    shoot(reader, screenshot_dir, "14-web-version")


def test_one_click_unsubscribe_post_from_the_list_unsubscribe_header(
    new_context, live_server, newsletter_settings, smtp_server  # noqa: F811
):
    # Given an issue sent over SMTP to a subscriber (tasks run at once here: the worker runs on commit)
    newsletter = NewsletterFactory(name="Knowledge Hub update", slug="hub-update")
    subscription = SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(email=VISITOR))
    publisher = make_user_with_role("newsletter_publisher")
    issue = issue_services.create_issue(newsletter=newsletter, acting_user=publisher, subject=FIRST_SUBJECT,
                                        body="## June\n\nNews from the hub.")
    dispatch.start_send(issue=issue, acting_user=publisher)
    (received,) = issue_messages(smtp_server, VISITOR, FIRST_SUBJECT)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = received["List-Unsubscribe"].strip().strip("<>")

    # When the mail provider POSTs List-Unsubscribe=One-Click to the header's URL, with no cookie and no CSRF token
    provider = new_context().request
    response = provider.post(url, form={"List-Unsubscribe": "One-Click"}, max_redirects=0)

    # Then it answers 200 and the subscription ended, recorded against the issue
    assert response.status == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.ended_by_issue_id == issue.pk
    ended_at = subscription.unsubscribed_at

    # And a replay changes nothing
    assert provider.post(url, form={"List-Unsubscribe": "One-Click"}, max_redirects=0).status == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED and subscription.unsubscribed_at == ended_at

    # And a tampered link is refused and changes nothing
    assert provider.post(url[:-3] + "xyz/", form={"List-Unsubscribe": "One-Click"}).status == 400
