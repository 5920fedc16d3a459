"""Input checks shared by the newsletters' forms and services. Header values (subject, sender name, reply-to) must
never carry a line break or other control character: one would let text after it become a new mail header
(header injection)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def has_control_characters(value: str) -> bool:
    return bool(_CONTROL.search(value or ""))


def validate_header_text(value: str) -> None:
    """Reject line breaks, tabs and other control characters in a value that goes into a mail header."""
    if has_control_characters(value):
        raise ValidationError(
            _("Remove the line break or other control character: this text goes into the email's header."),
            code="header_injection",
        )
