"""Template helpers of the resource centre: file sizes, the mobile data a download costs, facet options, covers."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


@register.simple_tag
def facet_options(facet: Any, options: list[Any], estimated: bool, *, folded: bool = False) -> SafeString:
    """The checkboxes of one facet's options (resources/includes/facet.html), as the template would write them.
    Built here because a search page can list a few hundred options (every organisation), and the template engine
    took longer to write them than the database took to count them. `folded`: the options under "show more", which
    name a sub-topic's theme. Every value is escaped (html.escape, as Django's escape does)."""
    about = escape(_("about")) + " " if estimated else ""
    name = escape(facet.name)
    nouns: dict[int, str] = {}  # count -> "resource" / "resources" in the active language
    rows = []
    for option in options:
        identifier = f"facet-{name}-{escape(slugify(option.value))}"
        label = f"{option.parent_label}: {option.label}" if folded and option.parent_label else option.label
        count = option.count
        if count not in nouns:
            nouns[count] = escape(ngettext("resource", "resources", count))
        rows.append(
            f'<div class="checkbox{" facet__child" if option.depth and not folded else ""}">'
            f'<input type="checkbox" id="{identifier}" name="{name}" value="{escape(option.value)}"'
            f'{" checked" if option.selected else ""}><label for="{identifier}" class="checkbox__label">'
            f'{escape(str(label))} <span class="facet__count">({about}{escape(localize(count))}'
            f'<span class="visually-hidden"> {nouns[count]}</span>)</span></label></div>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


# Cover sizes shown in pages: the stored copy, and the fields holding its width and height.
COVER_COPIES = {
    "thumbnail": ("cover_thumbnail", "cover_thumbnail_width", "cover_thumbnail_height"),
    "small": ("cover_small", "cover_small_width", "cover_small_height"),
}


@register.simple_tag
def cover_img(resource: Any, size: str = "small", alt: str = "", lazy: bool = True) -> SafeString:
    """An <img> of the resource's cover (resources:cover_image, permission-checked) in `size` ("thumbnail" or
    "small"), with its width and height so the page keeps its place while it loads, `alt` (empty: decorative, for
    lists where the title follows), lazy loading unless `lazy` is False; "" when the resource has no such copy.
    The address carries the stored name as a version, so a new cover is never hidden by a cached old one."""
    field, width_field, height_field = COVER_COPIES[size]
    stored = getattr(resource, field)
    if not stored:
        return mark_safe("")  # noqa: S308 - empty
    version = stored.name.rsplit("/", 1)[-1].split(".", 1)[0][:16]
    url = reverse("resources:cover_image", kwargs={"slug": resource.slug, "size": size})
    width, height = getattr(resource, width_field), getattr(resource, height_field)
    dimensions = f' width="{int(width)}" height="{int(height)}"' if width and height else ""
    loading = ' loading="lazy"' if lazy else ""
    return mark_safe(  # noqa: S308 - every value escaped or a number
        f'<img class="cover cover--{escape(size)}" src="{escape(url)}?v={escape(version)}" alt="{escape(alt)}"'
        f'{dimensions}{loading} decoding="async">'
    )
