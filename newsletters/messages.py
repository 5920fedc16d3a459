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

Turning an EmailMessage into MIME (email.generator, header folding) costs several times more than everything else a
worker does per message, and every message of an issue differs only in five values. So for Django's SMTP backend,
MessageFactory renders the issue's message once with sentinels in place of those values (recipient, Message-ID,
Date, the two links) and makes each message by substituting them in the bytes. The template is used only when it
provably gives the same MIME: every sentinel appears verbatim where it should (not folded, encoded or split by
quoted-printable), and no line can outgrow SMTP's 998-octet limit once the links are in; otherwise, and for any
other backend (anymail's may rework the MIME), each message is built the ordinary way.
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from email.utils import formatdate, formataddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.urls import reverse

from newsletters.models import Delivery, Issue, Newsletter, Subscription
from newsletters.tokens import (
    MANAGE_URL_MARKER,
    UNSUBSCRIBE_URL_MARKER,
    make_manage_token,
    make_unsubscribe_token,
    manage_url,
    unsubscribe_url,
)

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


# ------------------------------------------------------------------------------------------- the fast (SMTP) path

SMTP_LINE_LIMIT = 998


class _RawMIME:
    """What PreparedMessage.message() returns: the finished bytes, with the one method Django's SMTP backend uses."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw  # CRLF line endings

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw if linesep == "\r\n" else self.raw.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode("utf-8", "surrogateescape")

    def get_charset(self) -> None:
        return None


class PreparedMessage(EmailMessage):
    """An envelope (sender, recipient) around ready-made MIME bytes. Only for Django's SMTP backend, which needs
    nothing else; the content lives in the bytes, not in body/alternatives."""

    def __init__(self, *, raw: bytes, from_email: str, to: list[str], subject: str) -> None:
        super().__init__(subject=subject, body="", from_email=from_email, to=to)
        self.raw = raw

    def message(self, *args, **kwargs) -> _RawMIME:  # type: ignore[override]
        return _RawMIME(self.raw)


class _Links:
    """tokens.unsubscribe_url() and manage_url(), with the URL around the token resolved once rather than by
    reverse() for every message (a measurable share of a worker's time). Signing tokens are URL-safe (base64url and
    ":"), so the URL is the same; anything else goes through the tokens module."""

    SAFE = re.compile(r"[A-Za-z0-9_.:-]+")

    def __init__(self) -> None:
        placeholder = f"token{uuid.uuid4().hex}"
        self.unsubscribe = self._around(reverse("newsletters:unsubscribe", args=[placeholder]), placeholder)
        self.manage = self._around(reverse("newsletters:manage", args=[placeholder]), placeholder)

    @staticmethod
    def _around(path: str, placeholder: str) -> list[str]:
        return (settings.SITE_URL + path).split(placeholder)

    def unsubscribe_url(self, *, subscription: Subscription, issue_id: int) -> str:
        token = make_unsubscribe_token(subscription=subscription, issue_id=issue_id)
        if len(self.unsubscribe) != 2 or not self.SAFE.fullmatch(token):
            return unsubscribe_url(subscription=subscription, issue_id=issue_id)
        return self.unsubscribe[0] + token + self.unsubscribe[1]

    def manage_url(self, *, subscriber) -> str:
        token = make_manage_token(subscriber=subscriber)
        if len(self.manage) != 2 or not self.SAFE.fullmatch(token):
            return manage_url(subscriber=subscriber)
        return self.manage[0] + token + self.manage[1]


class MessageFactory:
    """Builds every delivery's message of one frozen issue, and sends it: from a verified template when `connection`
    is Django's SMTP backend (see the module docstring), otherwise built and sent the ordinary way."""

    def __init__(self, frozen: FrozenIssue, *, connection: object | None = None) -> None:
        self.frozen = frozen
        self.links = _Links()
        self.template: bytes | None = None
        if isinstance(connection, SMTPBackend):
            self.template = self._template()
            # The envelope sender, as Django's SMTP backend would give it (parsed once, not per message).
            self.envelope_from = sanitize_address(frozen.from_email, settings.DEFAULT_CHARSET)

    def _template(self) -> bytes | None:
        tag = uuid.uuid4().hex
        self.to, self.message_id, self.date = (f"to-{tag}@sentinel.invalid", f"<mid-{tag}@sentinel.invalid>",
                                               f"date-{tag}")
        # As long as real links (so the List-Unsubscribe header folds the same way), and made of URL characters.
        self.unsubscribe = f"https://sentinel.invalid/unsubscribe/{tag}/" + "u" * 100
        self.manage = f"https://sentinel.invalid/manage/{tag}/" + "m" * 100
        message = _assemble(self.frozen, email=self.to, message_id=self.message_id, unsubscribe=self.unsubscribe,
                            manage=self.manage)
        message.extra_headers["Date"] = self.date
        raw = message.message().as_bytes(linesep="\r\n")
        body_links = self.frozen.text.count(UNSUBSCRIBE_URL_MARKER) + self.frozen.html.count(UNSUBSCRIBE_URL_MARKER)
        body_manage = self.frozen.text.count(MANAGE_URL_MARKER) + self.frozen.html.count(MANAGE_URL_MARKER)
        expected = {self.to: 1, self.message_id: 1, self.date: 1, self.unsubscribe: body_links + 1,
                    self.manage: body_manage}
        if any(raw.count(value.encode()) != count for value, count in expected.items()):
            return None
        # How many octets longer than its sentinel a link may be before some line would pass the SMTP limit.
        self.room = SMTP_LINE_LIMIT
        for line in raw.split(b"\r\n"):
            links = line.count(self.unsubscribe.encode()) + line.count(self.manage.encode())
            if links:
                self.room = min(self.room, (SMTP_LINE_LIMIT - len(line)) // links)
        return raw if self.room >= 0 else None

    def build(self, *, delivery_id: int, email: str, subscription: Subscription) -> EmailMessage:
        unsubscribe = self.links.unsubscribe_url(subscription=subscription, issue_id=self.frozen.issue_id)
        manage = self.links.manage_url(subscriber=subscription.subscriber)
        message_id = Delivery(pk=delivery_id, issue_id=self.frozen.issue_id).message_id
        if (
            self.template is not None and _plain(email) and _plain_link(unsubscribe) and _plain_link(manage)
            and len(unsubscribe) - len(self.unsubscribe) <= self.room and len(manage) - len(self.manage) <= self.room
        ):
            raw = (
                self.template.replace(self.unsubscribe.encode(), unsubscribe.encode())
                .replace(self.manage.encode(), manage.encode())
                .replace(self.to.encode(), email.encode())
                .replace(self.message_id.encode(), message_id.encode())
                .replace(self.date.encode(), formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode())
            )
            return PreparedMessage(raw=raw, from_email=self.frozen.from_email, to=[email], subject=self.frozen.subject)
        return _assemble(self.frozen, email=email, message_id=message_id, unsubscribe=unsubscribe, manage=manage)

    def send(self, mail: object, message: EmailMessage) -> int:
        """Hand one message to the open backend `mail`. A PreparedMessage goes straight to the SMTP connection
        Django's backend opened: what its send_messages() does, less parsing the two plain addresses again for
        every message. Returns the number of messages accepted (1)."""
        if isinstance(message, PreparedMessage) and isinstance(mail, SMTPBackend) and mail.connection is not None:
            mail.connection.sendmail(self.envelope_from, message.to, message.raw)
            return 1
        return mail.send_messages([message])


def _plain(email: str) -> bool:
    # A plain ASCII address appears in the To header exactly as given; anything else is left to Django to encode.
    return email.isascii() and all(c not in email for c in ' "(),:;<>[]\\\r\n')


def _plain_link(url: str) -> bool:
    return url.isascii() and html.escape(url) == url and " " not in url
