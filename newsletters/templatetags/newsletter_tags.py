"""Template helpers of the newsletters' pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration_words(seconds: int | None) -> str:
    """Seconds as words for "time left": "about 3 minutes", "less than a minute", "about 2 hours 10 minutes"."""
    if seconds is None:
        return _("not known yet")
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return _("less than a minute")
    minutes = round(seconds / 60)
    if minutes < 60:
        return ngettext("about %(count)d minute", "about %(count)d minutes", minutes) % {"count": minutes}
    hours, minutes = divmod(minutes, 60)
    text = ngettext("about %(count)d hour", "about %(count)d hours", hours) % {"count": hours}
    if minutes:
        text += " " + ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    return text


STATUS_TAGS = {
    "draft": "tag--grey",
    "scheduled": "tag--yellow",
    "sending": "tag--green",
    "paused": "tag--yellow",
    "sent": "tag--green",
    "cancelled": "tag--red",
}


@register.filter
def status_tag(status: str) -> str:
    """The tag colour class of an issue's status."""
    return STATUS_TAGS.get(status, "tag--grey")
