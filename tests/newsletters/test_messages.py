"""One email per delivery (newsletters/messages.py): the ordinary build and the SMTP fast path from a verified
template must give the same message; the fast path steps aside whenever it could differ."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

from newsletters.messages import FrozenIssue, MessageFactory, PreparedMessage, build_message
from newsletters.models import Subscription
from tests.newsletters.dispatch_support import RENDERED_HTML, RENDERED_TEXT, dispatch_settings  # noqa: F401
from tests.newsletters.factories import IssueFactory, SubscriptionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatch_settings")]

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def frozen_issue(
    html: str = RENDERED_HTML, text: str = RENDERED_TEXT, **issue_fields
) -> tuple[FrozenIssue, Subscription]:
    subscription = SubscriptionFactory()
    issue = IssueFactory(newsletter=subscription.newsletter, **issue_fields)
    return FrozenIssue.of(issue, html_body=html, text_body=text), subscription


def parsed(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def comparable(message) -> tuple:
    # Date is the sending moment; the multipart boundary is random in every build
    headers = sorted(
        (name, str(value).strip()) for name, value in message.items() if name not in ("Date", "Content-Type")
    )
    headers.append(("Content-Type", message.get_content_type()))
    parts = [(part.get_content_type(), part.get_content()) for part in message.walk() if not part.is_multipart()]
    return headers, parts


@pytest.fixture
def signing_clock_stopped(monkeypatch):
    """The links' tokens carry a timestamp (whole seconds): two builds compared must sign at the same moment."""
    import types

    import django.core.signing

    monkeypatch.setattr(django.core.signing, "time", types.SimpleNamespace(time=lambda: 1_767_225_600.0))


@pytest.mark.usefixtures("signing_clock_stopped")
def test_the_template_path_gives_the_same_message_as_the_ordinary_build():
    frozen, subscription = frozen_issue(subject="Rates, budgets & water — what’s new")
    factory = MessageFactory(frozen, connection=get_connection(SMTP))
    assert factory.template is not None

    fast = factory.build(delivery_id=41, email=subscription.subscriber.email, subscription=subscription)
    ordinary = build_message(frozen=frozen, delivery_id=41, email=subscription.subscriber.email,
                             subscription=subscription)

    assert isinstance(fast, PreparedMessage)
    assert fast.recipients() == [subscription.subscriber.email] and fast.from_email == frozen.from_email
    fast_mime = parsed(fast.message().as_bytes(linesep="\r\n"))
    assert comparable(fast_mime) == comparable(parsed(ordinary.message().as_bytes(linesep="\r\n")))
    assert fast_mime["Date"]
    assert "sentinel" not in fast.message().as_string()


def test_each_recipient_gets_their_own_links_and_message_id():
    frozen, first = frozen_issue()
    second = SubscriptionFactory(newsletter=first.newsletter)
    factory = MessageFactory(frozen, connection=get_connection(SMTP))
    one = parsed(factory.build(delivery_id=1, email=first.subscriber.email, subscription=first).message().as_bytes())
    two = parsed(factory.build(delivery_id=2, email=second.subscriber.email, subscription=second).message().as_bytes())
    assert one["To"] == first.subscriber.email and two["To"] == second.subscriber.email
    assert one["Message-ID"] != two["Message-ID"]
    assert str(one["List-Unsubscribe"]).strip() != str(two["List-Unsubscribe"]).strip()


@pytest.mark.usefixtures("signing_clock_stopped")
def test_links_are_the_ones_the_tokens_module_makes():
    from newsletters.tokens import manage_url, unsubscribe_url

    frozen, subscription = frozen_issue()
    links = MessageFactory(frozen).links
    assert links.unsubscribe_url(subscription=subscription, issue_id=7) == unsubscribe_url(
        subscription=subscription, issue_id=7
    )
    assert links.manage_url(subscriber=subscription.subscriber) == manage_url(subscriber=subscription.subscriber)


def test_other_backends_get_ordinary_messages():
    frozen, subscription = frozen_issue()
    factory = MessageFactory(frozen, connection=get_connection("anymail.backends.test.EmailBackend"))
    message = factory.build(delivery_id=1, email=subscription.subscriber.email, subscription=subscription)
    assert factory.template is None
    assert isinstance(message, EmailMultiAlternatives) and message.alternatives


def test_an_address_that_needs_encoding_takes_the_ordinary_path():
    frozen, subscription = frozen_issue()
    factory = MessageFactory(frozen, connection=get_connection(SMTP))
    message = factory.build(delivery_id=1, email="zodwa@münicipality.example", subscription=subscription)
    assert not isinstance(message, PreparedMessage)


def test_no_template_when_a_link_line_could_pass_the_smtp_line_limit():
    long_line = "<p>" + "x" * 900 + '<a href="[[unsubscribe_url]]">Unsubscribe</a></p>'
    frozen, subscription = frozen_issue(html=RENDERED_HTML.replace("</body>", long_line + "</body>"))
    factory = MessageFactory(frozen, connection=get_connection(SMTP))
    assert factory.template is None
    message = factory.build(delivery_id=1, email=subscription.subscriber.email, subscription=subscription)
    assert not isinstance(message, PreparedMessage)
    assert all(len(line) <= 998 for line in message.message().as_bytes(linesep="\r\n").split(b"\r\n"))


def test_the_real_rendering_takes_the_fast_path():
    from newsletters.rendering import render_issue

    subscription = SubscriptionFactory()
    issue = IssueFactory(newsletter=subscription.newsletter)
    html, text = render_issue(issue=issue)
    factory = MessageFactory(FrozenIssue.of(issue, html_body=html, text_body=text), connection=get_connection(SMTP))
    assert factory.template is not None
    message = factory.build(delivery_id=1, email=subscription.subscriber.email, subscription=subscription)
    assert isinstance(message, PreparedMessage)
