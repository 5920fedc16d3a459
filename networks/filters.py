"""Filters of the events list (/events/ and per network): upcoming or past, network, type, province."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hub.models import Province
from networks.models import Event, Network


class EventFilter(django_filters.FilterSet):
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
        empty_label=None,
        method="filter_when",
    )
    network = django_filters.ModelChoiceFilter(
        label=_("Network"), queryset=Network.objects.none(), to_field_name="slug", empty_label=_("All networks")
    )
    type = django_filters.ChoiceFilter(
        label=_("Type"), field_name="event_type", choices=Event.EventType.choices, empty_label=_("All types")
    )
    province = django_filters.ModelChoiceFilter(
        label=_("Province"), queryset=Province.objects.all(), to_field_name="code", empty_label=_("All provinces")
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, user: Any = None, with_network: bool = True, **kwargs: Any):
        data = data.copy() if data is not None else {}
        if not data.get("when"):
            data["when"] = "upcoming"
        super().__init__(data, *args, **kwargs)
        if with_network:
            self.filters["network"].queryset = Network.objects.visible_to(user)
        else:
            del self.filters["network"]

    def filter_when(self, queryset: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        return queryset.past() if value == "past" else queryset.upcoming()

    @property
    def is_past(self) -> bool:
        self.form.is_valid()
        return self.form.cleaned_data.get("when") == "past"

    @property
    def qs(self) -> QuerySet[Event]:
        queryset = super().qs
        if not self.form.cleaned_data.get("when"):
            return queryset.upcoming()
        return queryset

