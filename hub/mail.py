"""Email plumbing.

Every message Django or allauth sends goes through TaskQueueBackend: it serialises the message and enqueues the
`deliver_email` task once the surrounding transaction commits, so a rolled-back action sends nothing and a slow mail
server never holds up a page. The task hands the message to settings.EMAIL_DELIVERY_BACKEND (SMTP, an anymail
provider, or CaptureBackend in development).
"""

from __future__ import annotations

import re
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone


def serialise_message(message: EmailMessage) -> dict[str, Any]:
    if message.attachments:
        raise ValueError("Queued email does not carry attachments; link to the file instead.")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(key): str(value) for key, value in (message.extra_headers or {}).items()},
        "alternatives": [[str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }


def deserialise_message(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data.get("cc") or None,
        bcc=data.get("bcc") or None,
        reply_to=data.get("reply_to") or None,
        headers=data.get("headers") or None,
    )
    for content, mimetype in data.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    return message


class TaskQueueBackend(BaseEmailBackend):
    """Queues each message as a background task, after commit."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        from hub.tasks import deliver_email

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            payload = serialise_message(message)
            transaction.on_commit(lambda payload=payload: deliver_email.enqueue(payload))
            count += 1
        return count


def deliver(payload: dict[str, Any]) -> int:
    """Send one serialised message with the configured delivery backend. Raises on failure so the task is retried
    or recorded as failed."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    return connection.send_messages([deserialise_message(payload)])


class CaptureBackend(BaseEmailBackend):
    """Development delivery: each message becomes one .eml file under EMAIL_CAPTURE_DIR, listed at /dev/mail/."""

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        directory = Path(settings.EMAIL_CAPTURE_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            (directory / name).write_bytes(message.message().as_bytes())
        return len(email_messages)


CAPTURED_NAME = re.compile(r"^[0-9T]+-[0-9a-f]{8}\.eml$")


def captured_messages() -> list[dict[str, Any]]:
    """Messages CaptureBackend wrote, newest first, parsed for the /dev/mail/ view."""
    directory = Path(settings.EMAIL_CAPTURE_DIR)
    if not directory.exists():
        return []
    messages = []
    for path in sorted(directory.glob("*.eml"), reverse=True)[:200]:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        text_part = parsed.get_body(preferencelist=("plain",))
        messages.append(
            {
                "id": path.stem,
                "subject": parsed["subject"],
                "to": parsed["to"],
                "from": parsed["from"],
                "date": parsed["date"],
                "text": text_part.get_content() if text_part else "",
            }
        )
    return messages
