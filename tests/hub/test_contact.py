""" "Contact this person": an email through the portal that reveals neither address, rate-limited per sender."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from hub.models import ContactMessage, Profile
from hub.roles import Role
from hub.services.people import ContactRateLimited, contact_person
from tests.hub.helpers_people import person

pytestmark = pytest.mark.django_db

MESSAGE = {"subject": "Informal trade by-law", "message": "Sawubona, how did Cape Town consult traders?"}


def _url(user) -> str:
    return f"/people/{user.pk}/contact/"


def _everything(email) -> str:
    """Every part of a message a recipient could read: headers and body."""
    return email.message().as_string() + email.body + " ".join(email.reply_to + email.cc + email.bcc)


# --- Who may write ------------------------------------------------------------------------------------------


def test_contact_form_permissions_for_every_role(client_for_role, role):
    recipient = person(listed=True, full_name="Nomvula Dlamini")
    client, _user = client_for_role(role)

    get = client.get(_url(recipient))
    post = client.post(_url(recipient), MESSAGE)

    if role == Role.VISITOR:
        assert get.status_code == 302 and get["Location"].startswith("/accounts/login/")
        assert post.status_code == 302 and post["Location"].startswith("/accounts/login/")
        assert mail.outbox == []
        assert ContactMessage.objects.count() == 0
    else:
        assert get.status_code == 200
        assert post.status_code == 302
        assert len(mail.outbox) == 1
        assert ContactMessage.objects.filter(recipient=recipient).count() == 1


def test_an_unverified_account_cannot_write(client_for_role):
    recipient = person(listed=True)
    client, _user = client_for_role("unverified")

    response = client.post(_url(recipient), MESSAGE)

    assert response.status_code == 403
    assert mail.outbox == []
    assert ContactMessage.objects.count() == 0


def test_nobody_can_write_to_themselves(client_for_role):
    client, member = client_for_role("member")
    Profile.objects.filter(user=member).update(listed_in_directory=True)

    assert client.get(_url(member)).status_code == 404
    assert client.post(_url(member), MESSAGE).status_code == 404
    assert mail.outbox == []


@pytest.mark.parametrize("kind", ["not_opted_in", "former", "inactive", "unknown"])
def test_people_who_are_not_listed_cannot_be_written_to(client_for_role, kind):
    recipient = person(listed=kind != "not_opted_in")
    if kind == "former":
        recipient.is_former_member = True
        recipient.save()
    if kind == "inactive":
        recipient.is_active = False
        recipient.save()
    url = "/people/999999/contact/" if kind == "unknown" else _url(recipient)
    client, _member = client_for_role("member")

    assert client.get(url).status_code == 404
    assert client.post(url, MESSAGE).status_code == 404
    assert mail.outbox == []
    assert ContactMessage.objects.count() == 0


# --- The email ----------------------------------------------------------------------------------------------


def test_the_email_reveals_neither_address(client_for_role, settings):
    recipient = person(listed=True, full_name="Nomvula Dlamini", email="nomvula@capetown.gov.za")
    client, sender = client_for_role("member")
    sender.full_name = "Pieter van der Merwe"
    sender.save()

    response = client.post(_url(recipient), MESSAGE)

    assert response.status_code == 302
    assert response["Location"] == f"/people/{recipient.pk}/"
    [email] = mail.outbox
    assert email.to == ["nomvula@capetown.gov.za"]
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert email.reply_to == [] and email.cc == [] and email.bcc == []
    assert sender.email not in _everything(email)
    assert "Pieter van der Merwe" in email.subject and "Informal trade by-law" in email.subject
    assert "Pieter van der Merwe sent you a message" in email.body
    assert MESSAGE["message"] in email.body
    assert f"{settings.SITE_URL}/people/{sender.pk}/contact/" in email.body
    # The sender gets no copy that could carry the recipient's address.
    assert all(recipient.email not in _everything(other) for other in mail.outbox if other is not email)


def test_the_contact_page_does_not_show_the_recipients_address(client_for_role):
    recipient = person(listed=True, email="nomvula@capetown.gov.za")
    client, _sender = client_for_role("member")

    html = client.get(_url(recipient)).content.decode()

    assert "nomvula@capetown.gov.za" not in html


def test_non_ascii_names_and_messages_travel_intact(client_for_role):
    recipient = person(listed=True, full_name="Ṱhalukanyo Mudau")
    client, sender = client_for_role("member")
    sender.full_name = "Zoë Khâi-Ma"
    sender.save()

    client.post(_url(recipient), {"subject": "Tshivenḓa materials", "message": "Ndaa! Ri nga shumisana?"})

    [email] = mail.outbox
    assert "Zoë Khâi-Ma" in email.subject
    assert "Ṱhalukanyo Mudau" in email.body
    assert "Ndaa! Ri nga shumisana?" in email.body
    email.message().as_bytes()  # encodes without error


def test_a_subject_with_line_breaks_cannot_inject_headers(client_for_role):
    recipient = person(listed=True)
    client, _sender = client_for_role("member")

    client.post(_url(recipient), {"subject": "Hello\r\nBcc: victim@example.org", "message": "Hi"})

    [email] = mail.outbox
    assert email.bcc == []
    assert "\n" not in email.subject
    assert "Bcc: victim@example.org" not in email.message().as_string().split("\n\n", 1)[0].replace(
        email.message()["Subject"], ""
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": "", "message": "Hi"}, "subject"),
        ({"subject": "   ", "message": "Hi"}, "subject"),
        ({"subject": "Hi", "message": ""}, "message"),
        ({"subject": "x" * 151, "message": "Hi"}, "subject"),
        ({"subject": "Hi", "message": "x" * 3001}, "message"),
    ],
)
def test_invalid_messages_are_not_sent(client_for_role, data, field):
    recipient = person(listed=True)
    client, _sender = client_for_role("member")

    response = client.post(_url(recipient), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert f'href="#id_{field}"' in html
    assert (
        f'aria-describedby="id_{field}-hint id_{field}-error"' in html
        or f'aria-describedby="id_{field}-error"' in html
    )
    assert mail.outbox == []
    assert ContactMessage.objects.count() == 0


def test_a_post_without_csrf_token_is_refused(client_for_role):
    recipient = person(listed=True)
    _client, sender = client_for_role("member")
    client = Client(enforce_csrf_checks=True)
    client.force_login(sender)

    response = client.post(_url(recipient), MESSAGE)

    assert response.status_code == 403
    assert mail.outbox == []


# --- Answering ----------------------------------------------------------------------------------------------


def test_a_recipient_can_answer_a_sender_who_is_not_listed(client_for_role):
    recipient = person(listed=True)
    sender_client, sender = client_for_role("member")  # not listed anywhere
    sender_client.post(_url(recipient), MESSAGE)
    recipient_client = Client()
    recipient_client.force_login(recipient)
    stranger_client, _stranger = client_for_role("member")

    answer = recipient_client.post(_url(sender), {"subject": "Re: by-law", "message": "Happy to help."})
    stranger = stranger_client.get(_url(sender))

    assert answer.status_code == 302
    assert [email.to for email in mail.outbox] == [[recipient.email], [sender.email]]
    assert recipient.email not in _everything(mail.outbox[1])
    assert stranger.status_code == 404
    # The unlisted sender's profile stays private.
    assert recipient_client.get(f"/people/{sender.pk}/").status_code == 404


# --- Rate limits --------------------------------------------------------------------------------------------


def test_over_the_hourly_limit_nothing_is_sent(client_for_role, settings):
    settings.CONTACT_RATE_LIMIT_PER_HOUR = 2
    recipients = [person(listed=True) for _ in range(3)]
    client, sender = client_for_role("member")

    responses = [client.post(_url(recipient), MESSAGE) for recipient in recipients]

    assert [response.status_code for response in responses] == [302, 302, 429]
    assert "the most the hub allows" in responses[2].content.decode()
    assert "not been sent" in responses[2].content.decode()
    assert len(mail.outbox) == 2
    assert ContactMessage.objects.filter(sender=sender).count() == 2
    assert recipients[2].email not in [email.to[0] for email in mail.outbox]


def test_over_the_daily_limit_nothing_is_sent(client_for_role, settings):
    settings.CONTACT_RATE_LIMIT_PER_HOUR = 5
    settings.CONTACT_RATE_LIMIT_PER_DAY = 3
    recipient = person(listed=True)
    client, sender = client_for_role("member")
    earlier = timezone.now() - timedelta(hours=3)
    for _ in range(3):
        ContactMessage.objects.create(sender=sender, recipient=recipient, created_at=earlier)

    response = client.post(_url(recipient), MESSAGE)

    assert response.status_code == 429
    assert "24 hours" in response.content.decode()
    assert mail.outbox == []
    assert ContactMessage.objects.filter(sender=sender).count() == 3


def test_messages_older_than_a_day_do_not_count(client_for_role, settings):
    settings.CONTACT_RATE_LIMIT_PER_DAY = 1
    recipient = person(listed=True)
    client, sender = client_for_role("member")
    ContactMessage.objects.create(
        sender=sender, recipient=recipient, created_at=timezone.now() - timedelta(days=2)
    )

    assert client.post(_url(recipient), MESSAGE).status_code == 302
    assert len(mail.outbox) == 1


def test_the_limit_is_per_sender(client_for_role, settings):
    settings.CONTACT_RATE_LIMIT_PER_HOUR = 1
    recipient = person(listed=True)
    first_client, _first = client_for_role("member")
    second_client, _second = client_for_role("member")

    assert first_client.post(_url(recipient), MESSAGE).status_code == 302
    assert second_client.post(_url(recipient), MESSAGE).status_code == 302
    assert first_client.post(_url(recipient), MESSAGE).status_code == 429


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_sends_cannot_both_slip_under_the_limit(settings, user_for_role):
    """Two requests by one sender at the same moment: the sender row lock makes the second wait and count the
    first, so exactly one gets through a limit of one."""
    settings.CONTACT_RATE_LIMIT_PER_HOUR = 1
    recipient = person(listed=True)
    sender = user_for_role("member")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def send() -> None:
        try:
            barrier.wait()
            contact_person(sender=sender, recipient=recipient, subject="Hi", message="Hello")
            outcomes.append("sent")
        except ContactRateLimited:
            outcomes.append("limited")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["limited", "sent"]
    assert ContactMessage.objects.filter(sender=sender).count() == 1
