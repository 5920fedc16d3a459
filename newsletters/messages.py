"""One newsletter email per delivery: the issue's frozen HTML and text with the recipient's own links put in place
of the markers, and the headers bulk mail needs.

Every message carries
- Message-ID derived from its Delivery (stable: a resend after a crash has the same one, so providers can drop it);
- List-Id (RFC 2919) naming the list;
- List-Unsubscribe with the recipient's signed HTTPS one-click link and List-Unsubscribe-Post:
  List-Unsubscribe=One-Click (RFC 8058), as the large mailbox providers require of bulk senders;
- From "sender name <address>" and Reply-To from the newsletter;
- a multipart/alternative body: the plain-text part first, the HTML part second.

Nothing here touches the database: the dispatcher loads what a batch needs in one query and passes it in.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.utils import formataddr

from django.core.mail import EmailMultiAlternatives

from newsletters.models import Delivery, Issue, Newsletter, Subscription
from newsletters.tokens import MANAGE_URL_MARKER, UNSUBSCRIBE_URL_MARKER, manage_url, unsubscribe_url

ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class FrozenIssue:
    """What every message of one issue shares, computed once per worker rather than once per message."""

    issue_id: int
    subject: str
    html: str
    text: str
    from_email: str
    reply_to: tuple[str, ...]
    list_id: str

    @classmethod
    def of(cls, issue: Issue, *, html_body: str | None = None, text_body: str | None = None) -> FrozenIssue:
        newsletter: Newsletter = issue.newsletter
        return cls(
            issue_id=issue.pk,
            subject=issue.subject,
            html=issue.rendered_html if html_body is None else html_body,
            text=issue.rendered_text if text_body is None else text_body,
            from_email=formataddr((newsletter.sender_name, newsletter.sender_email)),
            reply_to=(newsletter.reply_to,) if newsletter.reply_to else (),
            list_id=newsletter.list_id,
        )


def personalise(body: str, *, unsubscribe: str, manage: str, escape: bool) -> str:
    """Put the recipient's links where the rendering left markers (HTML-escaped in the HTML part)."""
    if escape:
        unsubscribe, manage = html.escape(unsubscribe), html.escape(manage)
    return body.replace(UNSUBSCRIBE_URL_MARKER, unsubscribe).replace(MANAGE_URL_MARKER, manage)


def build_message(
    *, frozen: FrozenIssue, delivery_id: int, email: str, subscription: Subscription
) -> EmailMultiAlternatives:
    """The email for one delivery. `subscription` must have its subscriber loaded (its secret signs the links)."""
    unsubscribe = unsubscribe_url(subscription=subscription, issue_id=frozen.issue_id)
    manage = manage_url(subscriber=subscription.subscriber)
    message_id = Delivery(pk=delivery_id, issue_id=frozen.issue_id).message_id
    return _assemble(frozen, email=email, message_id=message_id, unsubscribe=unsubscribe, manage=manage)


def build_test_message(
    *, frozen: FrozenIssue, email: str, subscription: Subscription | None, fallback_url: str
) -> EmailMultiAlternatives:
    """A test send ("[Test]" before the subject): the recipient's real links when the address is on the list;
    otherwise the list's page in their place and no List-Unsubscribe header, as there is nothing to leave."""
    subject = f"[Test] {frozen.subject}"
    if subscription is not None:
        unsubscribe = unsubscribe_url(subscription=subscription, issue_id=frozen.issue_id)
        manage = manage_url(subscriber=subscription.subscriber)
        return _assemble(frozen, email=email, unsubscribe=unsubscribe, manage=manage, subject=subject)
    return _assemble(
        frozen, email=email, unsubscribe=fallback_url, manage=fallback_url, subject=subject, one_click=False
    )


def _assemble(
    frozen: FrozenIssue,
    *,
    email: str,
    unsubscribe: str,
    manage: str,
    message_id: str | None = None,
    subject: str | None = None,
    one_click: bool = True,
) -> EmailMultiAlternatives:
    headers = {"List-Id": frozen.list_id, "Auto-Submitted": "auto-generated"}
    if message_id:
        headers["Message-ID"] = message_id
    if one_click:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = ONE_CLICK
    message = EmailMultiAlternatives(
        subject=subject or frozen.subject,
        body=personalise(frozen.text, unsubscribe=unsubscribe, manage=manage, escape=False),
        from_email=frozen.from_email,
        to=[email],
        reply_to=list(frozen.reply_to) or None,
        headers=headers,
    )
    message.attach_alternative(
        personalise(frozen.html, unsubscribe=unsubscribe, manage=manage, escape=True), "text/html"
    )
    return message
