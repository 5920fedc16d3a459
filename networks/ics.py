"""iCalendar (RFC 5545) files for learning events, written by hand: CRLF line ends, lines folded at 75 octets
(never inside a UTF-8 character), TEXT values escaped (backslash, comma, semicolon, newlines), times in UTC."""

from __future__ import annotations

import datetime
from typing import Any, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

PRODID = "-//SALGA//LG Knowledge Hub//EN"


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    value = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    # Other control characters are not allowed in TEXT.
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 0x20 and ord(ch) != 0x7F)


def fold_line(line: str) -> str:
    """Fold a content line so no physical line passes 75 octets; continuation lines start with a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = b""
    limit = 75
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
            limit = 74  # the leading space counts
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def format_utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _uid(event: Any) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "hub.example.org"
    return f"event-{event.pk}@{host}"


def event_lines(event: Any, *, include_online_url: bool, now: datetime.datetime) -> list[str]:
    url = settings.SITE_URL + event.get_absolute_url()
    description = event.description or ""
    if include_online_url and event.online_url:
        description = f"{description}\n\nOnline: {event.online_url}".strip()
    description = f"{description}\n\n{url}".strip()
    location = event.venue or ("Online" if event.online_url else "")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_uid(event)}",
        f"DTSTAMP:{format_utc(now)}",
        f"DTSTART:{format_utc(event.starts_at)}",
        f"DTEND:{format_utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    lines.append("STATUS:CANCELLED" if event.is_cancelled else "STATUS:CONFIRMED")
    lines.append("END:VEVENT")
    return lines


def build_calendar(
    events: Iterable[Any],
    *,
    name: str = "",
    online_url_for: set[int] | frozenset[int] = frozenset(),
    now: datetime.datetime | None = None,
) -> str:
    """A VCALENDAR with one VEVENT per event. `online_url_for`: ids of events whose online link may be included
    (the person is registered)."""
    now = now or timezone.now()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines.extend(event_lines(event, include_online_url=event.pk in online_url_for, now=now))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)
