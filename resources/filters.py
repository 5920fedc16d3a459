"""The search form and facets of /resources/ and its Atom feed (django-filter): free text, sort and one multiple
choice per facet. GET only, so every search is a shareable URL.

Facet values are checked for shape here (a slug, a province code, a year, an id) rather than against the database:
the search itself counts what exists, and a value that matches nothing simply finds nothing. That keeps the page at
a fixed number of queries.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from hub.models import Language
from resources.models import Resource
from resources.selectors import (
    EXTRA_FILTERS,
    FACET_LABELS,
    QUERY_MAX_LENGTH,
    Sort,
    apply_filters,
    clean_query,
    facet_names_for,
)

MAX_VALUES_PER_FACET = 30


class ValueListField(forms.MultipleChoiceField):
    """Several values of one shape (matched by `pattern`), not from a fixed list. Invalid values are an error."""

    def __init__(self, *, pattern: str, normalise: Any = None, **kwargs: Any) -> None:
        self.pattern = re.compile(pattern)
        self.normalise = normalise
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        values = super().to_python(value)
        if self.normalise:
            values = [self.normalise(item) for item in values]
        return list(dict.fromkeys(values))  # no duplicates, order kept

    def valid_value(self, value: str) -> bool:
        return bool(self.pattern.fullmatch(value))

    def validate(self, value: list[str]) -> None:
        if len(value) > MAX_VALUES_PER_FACET:
            raise ValidationError(_("Choose at most %(limit)s values."), params={"limit": MAX_VALUES_PER_FACET})
        super().validate(value)


class ValueListFilter(django_filters.MultipleChoiceFilter):
    field_class = ValueListField


class ResourceFilter(django_filters.FilterSet):
    """Filters of the resource search. `facet_values()` gives the chosen values per facet for the search selector;
    `.qs` applies them to a queryset (the feed and anything else that lists resources)."""

    q = django_filters.CharFilter(
        label=_("Search resources"),
        method="filter_text",
        max_length=QUERY_MAX_LENGTH * 4,  # cut to QUERY_MAX_LENGTH by clean_query, not refused
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_('Use "quotes" for a phrase, OR for either word, and -word to leave a word out.'),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=Sort.CHOICES, method="filter_nothing", empty_label=None
    )
    type = django_filters.MultipleChoiceFilter(
        label=FACET_LABELS["type"], choices=Resource.ResourceType.choices, method="filter_facet",
        widget=forms.CheckboxSelectMultiple,
    )
    topic = ValueListFilter(label=FACET_LABELS["topic"], method="filter_facet", pattern=r"[-a-zA-Z0-9_]{1,120}")
    language = django_filters.MultipleChoiceFilter(
        label=FACET_LABELS["language"], choices=Language.choices, method="filter_facet",
        widget=forms.CheckboxSelectMultiple,
    )
    province = ValueListFilter(
        label=FACET_LABELS["province"], method="filter_facet", pattern=r"[A-Z]{2,3}", normalise=str.upper
    )
    year = ValueListFilter(label=FACET_LABELS["year"], method="filter_facet", pattern=r"(19|20|21)\d\d")
    organisation = ValueListFilter(label=FACET_LABELS["organisation"], method="filter_facet", pattern=r"[1-9]\d{0,9}")
    visibility = django_filters.MultipleChoiceFilter(
        label=FACET_LABELS["visibility"], choices=Resource.Visibility.choices, method="filter_facet",
        widget=forms.CheckboxSelectMultiple,
    )
    municipality = ValueListFilter(
        label=_("Municipality"), method="filter_facet", pattern=r"[A-Z]{2,3}\d{0,3}", normalise=str.upper
    )

    class Meta:
        model = Resource
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.user = user
        self.facet_names = facet_names_for(user)
        if "visibility" not in self.facet_names:
            # Only people who may see internal items may filter by visibility.
            del self.filters["visibility"]
            self.form.fields.pop("visibility", None)

    def filter_text(self, queryset: QuerySet[Resource], name: str, value: str) -> QuerySet[Resource]:
        query = clean_query(value)
        if not query:
            return queryset
        from resources.services.search import SEARCH_CONFIG

        return queryset.filter(search_vector=SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG))

    def filter_facet(self, queryset: QuerySet[Resource], name: str, value: list[str]) -> QuerySet[Resource]:
        return apply_filters(queryset, {name: value}) if value else queryset

    def filter_nothing(self, queryset: QuerySet[Resource], name: str, value: Any) -> QuerySet[Resource]:
        return queryset  # sorting is the selector's job

    # --- for the view and the selector ---------------------------------------------------------------------

    def cleaned(self) -> dict[str, Any]:
        """The valid part of the submitted form: invalid fields are dropped (a bad facet value in a shared URL
        should narrow nothing rather than break the page)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return getattr(self.form, "cleaned_data", {}) or {}

    @property
    def cleaned_query(self) -> str:
        return clean_query(self.cleaned().get("q") or "")

    @property
    def chosen_sort(self) -> str:
        return self.cleaned().get("sort") or ""

    def facet_values(self) -> dict[str, list[str]]:
        data = self.cleaned()
        names = [*self.facet_names, *EXTRA_FILTERS]
        return {name: list(data.get(name) or []) for name in names if data.get(name)}
