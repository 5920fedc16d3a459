"""What a sending error means for the delivery: permanent (record it failed), temporary (retry with backoff) or a
lost connection (reconnect and try again at once); and its text for Delivery.last_error."""

from __future__ import annotations

import smtplib

TEMPORARY, PERMANENT, CONNECTION = "temporary", "permanent", "connection"


def describe_error(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {error_text(message)}" for code, message in error.recipients.values()]
        return ("; ".join(parts) or str(error))[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {error_text(error.smtp_error)}"[:500]
    return (f"{type(error).__name__}: {error}")[:500]


def error_text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def classify(error: BaseException) -> str:
    """How to treat a sending error: PERMANENT (this recipient will never take it: record it failed), TEMPORARY
    (retry later with backoff) or CONNECTION (the connection is gone: reconnect and try again at once)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return PERMANENT if codes and all(500 <= code < 600 for code in codes) else TEMPORARY
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return CONNECTION
    if isinstance(error, smtplib.SMTPResponseException):
        if error.smtp_code == 421:  # the server is closing the connection
            return CONNECTION
        if isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600:
            return PERMANENT
        return TEMPORARY
    if isinstance(error, OSError):  # refused, reset, timed out
        return CONNECTION
    try:
        from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is a dependency
        return TEMPORARY
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return PERMANENT
    return TEMPORARY
