"""Forms of learning events: create/edit (times entered in Africa/Johannesburg) and the post-event pack."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from networks.models import Event
from resources.models import Resource

MAX_PACK_ITEMS = 30


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class EventForm(forms.ModelForm):
    """Event details. Times are read and shown in the site time zone (Africa/Johannesburg)."""

    pack = forms.CharField(
        label=_("Post-event pack"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Presentations and reports from the resource centre: one address or slug per line. "
                    "They are also added to the network's library."),
    )

    # A link typed without a scheme ("meet.example.org/abc") is read as https, as Django 6 does by default.
    online_url = forms.URLField(
        label=_("Online meeting link"), required=False, max_length=500, assume_scheme="https",
        help_text=_("Shown only to people who are registered."),
    )

    class Meta:
        model = Event
        fields = [
            "title", "event_type", "description", "starts_at", "ends_at", "venue", "province", "online_url",
            "capacity", "registration_deadline", "is_published", "is_cancelled",
        ]
        labels = {
            "event_type": _("Type"),
            "starts_at": _("Starts"),
            "ends_at": _("Ends"),
            "online_url": _("Online meeting link"),
            "registration_deadline": _("Registration deadline"),
            "is_published": _("Published (people can see it)"),
            "is_cancelled": _("Cancelled"),
        }
        help_texts = {
            "starts_at": _("South African time, for example 2026-03-14 09:00."),
            "ends_at": _("South African time."),
            "venue": _("Leave empty for an online event."),
            "registration_deadline": _("South African time; must be before the start."),
        }
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "registration_deadline": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at", "registration_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["capacity"].widget.attrs["min"] = 1
        if self.instance.pk:
            self.fields["pack"].initial = "\n".join(self.instance.resources.values_list("slug", flat=True))
        else:
            del self.fields["is_cancelled"]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Enter a title."))
        return title

    def clean_capacity(self) -> int | None:
        capacity = self.cleaned_data.get("capacity")
        if capacity is not None and capacity < 1:
            raise forms.ValidationError(_("Capacity must be at least 1, or empty for no limit."))
        return capacity

    def clean_pack(self) -> list[Resource]:
        lines = [line.strip().rstrip("/") for line in self.cleaned_data.get("pack", "").splitlines() if line.strip()]
        if len(lines) > MAX_PACK_ITEMS:
            raise forms.ValidationError(_("Link at most %(limit)s resources.") % {"limit": MAX_PACK_ITEMS})
        slugs = [line.rsplit("/", 1)[-1] for line in lines]
        found = {r.slug: r for r in Resource.objects.visible_to(self.user).filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise forms.ValidationError(
                _("No published resource found for: %(items)s") % {"items": ", ".join(missing[:5])}
            )
        return [found[slug] for slug in dict.fromkeys(slugs)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends, deadline = data.get("starts_at"), data.get("ends_at"), data.get("registration_deadline")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if starts and deadline and deadline > starts:
            self.add_error("registration_deadline", _("The registration deadline must be before the event starts."))
        if not data.get("venue") and not data.get("online_url"):
            self.add_error("venue", _("Enter a venue, or an online meeting link."))
        return data


class AttendanceForm(forms.Form):
    """The ids of registrations marked as attended (checkboxes on the attendee list)."""

    attended = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args: Any, registrations: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(r.pk, str(r.user)) for r in registrations]
