"""Email leaves through a background task enqueued after commit (hub.mail.TaskQueueBackend + hub.tasks.deliver_email),
is delivered by the django-tasks-db worker, reaches a real SMTP server, and in development is captured and shown
at /dev/mail/ with clickable links."""

from __future__ import annotations

import email
from email import policy

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from hub.mail import captured_messages, serialise_message
from hub.tasks import deliver_email
from tests.hub.smtp_server import SMTPTestServer

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}


@pytest.fixture
def queued_mail(settings):
    """The production path: mail queued as a task in the database, delivered to the locmem outbox by the worker."""
    settings.EMAIL_BACKEND = "hub.mail.TaskQueueBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = DATABASE_TASKS


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, queue_name="*", reload=False, startup_delay=False, interval=0, verbosity=0
    )


@pytest.mark.django_db
def test_mail_is_queued_only_when_the_transaction_commits(queued_mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            sent = mail.send_mail("Welcome", "Hello Khâi-Ma", None, ["khai-ma@example.org"])
            assert DBTaskResult.objects.count() == 0  # nothing queued inside the transaction

    assert sent == 1
    assert len(callbacks) == 1
    queued = DBTaskResult.objects.get()
    assert queued.queue_name == "email"
    assert queued.args_kwargs["args"][0]["to"] == ["khai-ma@example.org"]
    assert mail.outbox == []  # queued, not delivered: the worker delivers


# The worker closes and reopens database connections between tasks as it would in production, which a test
# wrapped in a transaction cannot survive: these tests commit for real (and restore the reference data after).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_delivers_mail_committed_and_nothing_rolled_back(queued_mail):
    with transaction.atomic():
        mail.send_mail("Committed", "This one goes.", None, ["yes@example.org"])
        assert DBTaskResult.objects.count() == 0
    assert DBTaskResult.objects.count() == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        mail.send_mail("Rolled back", "This one never goes.", None, ["no@example.org"])
        raise RuntimeError("the action failed")
    assert DBTaskResult.objects.count() == 1

    run_worker()

    assert [message.subject for message in mail.outbox] == ["Committed"]
    assert mail.outbox[0].to == ["yes@example.org"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_verification_email_from_sign_up_is_delivered_by_the_worker(queued_mail):
    Client().post(
        reverse("account_signup"),
        {"full_name": "Thandeka Nkosi", "email": "thandeka@example.org", "password1": "kudu-baobab-river-lantern",
         "password2": "kudu-baobab-river-lantern"},
    )
    assert mail.outbox == []

    run_worker()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["thandeka@example.org"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_deliver_email_sends_through_smtp_with_the_right_headers(settings):
    message = mail.EmailMultiAlternatives(
        subject="Ukuqinisekisa: confirm your address · Tshivenḓa",
        body="Open http://hub.example.org/accounts/confirm-email/abc/\n.\n..a line starting with dots",
        from_email="LG Knowledge Hub <no-reply@hub.example.org>",
        to=["Nomvula Dlamini <nomvula@example.org>"],
        reply_to=["help@hub.example.org"],
        headers={"X-Hub-Kind": "verification"},
    )
    message.attach_alternative("<p>Open the link</p>", "text/html")
    payload = serialise_message(message)

    with SMTPTestServer() as server:
        settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5

        sent = deliver_email.call(payload)

    assert sent == 1
    assert len(server.messages) == 1
    received = server.messages[0]
    assert received.sender == "no-reply@hub.example.org"
    assert received.recipients == ["nomvula@example.org"]
    parsed = email.message_from_bytes(received.data, policy=policy.default)
    # Django folds an encoded subject onto a continuation line; readers drop the fold's leading space.
    assert parsed["Subject"].strip() == "Ukuqinisekisa: confirm your address · Tshivenḓa"
    assert parsed["From"] == "LG Knowledge Hub <no-reply@hub.example.org>"
    assert parsed["To"] == "Nomvula Dlamini <nomvula@example.org>"
    assert parsed["Reply-To"] == "help@hub.example.org"
    assert parsed["X-Hub-Kind"] == "verification"
    assert parsed["Message-ID"] and parsed["Date"]
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "http://hub.example.org/accounts/confirm-email/abc/" in text
    assert "\n.\n..a line starting with dots" in text.replace("\r\n", "\n")
    assert parsed.get_body(preferencelist=("html",)).get_content().strip() == "<p>Open the link</p>"
    assert any(command.upper().startswith("QUIT") for command in server.commands)


def test_deliver_email_raises_when_the_smtp_server_is_unreachable(settings):
    with SMTPTestServer() as server:
        port = server.port  # the server is closed again on leaving: nothing listens there now
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    payload = serialise_message(mail.EmailMessage("Lost", "Body", None, ["x@example.org"]))

    with pytest.raises(OSError):
        deliver_email.call(payload)


# Development: captured mail at /dev/mail/


@pytest.fixture
def captured(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "hub.mail.CaptureBackend"
    settings.EMAIL_CAPTURE_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_dev_mail_lists_captured_mail_and_shows_the_verification_link_clickable(captured, client):
    client.post(
        reverse("account_signup"),
        {"full_name": "Pieter van der Merwe", "email": "pieter@example.org",
         "password1": "kudu-baobab-river-lantern", "password2": "kudu-baobab-river-lantern"},
    )
    [message] = captured_messages()

    listing = client.get(reverse("hub:dev_mail"))
    detail = client.get(reverse("hub:dev_mail_detail", args=[message["id"]]))

    assert listing.status_code == 200
    assert "Confirm your email address" in listing.content.decode()
    assert reverse("hub:dev_mail_detail", args=[message["id"]]) in listing.content.decode()
    assert detail.status_code == 200
    html = detail.content.decode()
    assert '<a href="http://testserver/accounts/confirm-email/' in html
    assert "pieter@example.org" in html


@pytest.mark.django_db
def test_dev_mail_shows_html_in_a_message_inert(captured, client):
    mail.send_mail("<b>Subject</b>", 'Body with <script>alert("x")</script>', None, ["x@example.org"])
    [message] = captured_messages()

    html = client.get(reverse("hub:dev_mail_detail", args=[message["id"]])).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "<b>Subject</b>" not in html


@pytest.mark.django_db
def test_dev_mail_answers_404_for_an_unknown_message(captured, client):
    unknown = reverse("hub:dev_mail_detail", args=["20260101T000000000000-deadbeef"])

    assert client.get(unknown).status_code == 404


@pytest.mark.django_db
def test_dev_mail_is_not_found_when_debug_is_off(captured, client, settings):
    mail.send_mail("Private", "Someone's reset link", None, ["x@example.org"])
    [message] = captured_messages()
    settings.DEBUG = False

    listing = client.get(reverse("hub:dev_mail"))
    detail = client.get(reverse("hub:dev_mail_detail", args=[message["id"]]))

    assert listing.status_code == detail.status_code == 404
    assert b"reset link" not in detail.content
