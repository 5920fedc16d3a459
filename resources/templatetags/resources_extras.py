"""Template helpers of the resource centre: file sizes and the mobile data a download costs."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# A download over a mobile network costs a little more than the file (HTTP and TLS overhead, retransmissions).
MOBILE_OVERHEAD = 1.03


def _megabytes(size: int) -> float:
    return size / 1_000_000


@register.filter
def human_size(size: int | None) -> str:
    """1234567 -> "1.2 MB" (decimal units, as phone data plans count them)."""
    if size is None:
        return ""
    if size < 1000:
        return _("%(size)s bytes") % {"size": size}
    if size < 1_000_000:
        return _("%(size)s KB") % {"size": f"{size / 1000:.0f}"}
    if size < 1_000_000_000:
        return _("%(size)s MB") % {"size": f"{_megabytes(size):.1f}"}
    return _("%(size)s GB") % {"size": f"{size / 1_000_000_000:.2f}"}


@register.filter
def mobile_data(size: int | None) -> str:
    """The mobile data a download of `size` bytes uses, in words: "about 2.5 MB of mobile data"."""
    if size is None:
        return ""
    megabytes = _megabytes(size) * MOBILE_OVERHEAD
    if megabytes < 0.1:
        return _("less than 0.1 MB of mobile data")
    if megabytes < 10:
        return _("about %(size)s MB of mobile data") % {"size": f"{megabytes:.1f}"}
    return _("about %(size)s MB of mobile data") % {"size": f"{megabytes:.0f}"}
