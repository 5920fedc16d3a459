"""Facets of the member and expert directories (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hub.models import ExpertiseArea, Function, Municipality, Profile, Province
from hub.selectors import SEARCH_QUERY_MAX_LENGTH, clean_search_query


def municipality_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every municipality as a select option, grouped by province (<optgroup>), value = code. One query."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for code, name, province in Municipality.objects.order_by("province__name", "name").values_list(
        "code", "name", "province__name"
    ):
        grouped.setdefault(province, []).append((code, f"{name} ({code})"))
    return list(grouped.items())


class UpperCaseChoiceField(forms.ChoiceField):
    """A choice of codes that accepts them in any case (?municipality=cpt)."""

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()


class CodeModelChoiceField(forms.ModelChoiceField):
    """A model chosen by its code, in any case (?province=wc)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
        return super().to_python(value)


class CodeModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CodeModelChoiceField


class PersonFilter(django_filters.FilterSet):
    """Filters of /people/ and /experts/: free text, province, municipality, category, function, expertise."""

    q = django_filters.CharFilter(
        label=_("Name, job title or organisation"),
        method="filter_text",
        max_length=SEARCH_QUERY_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    province = CodeModelChoiceFilter(
        label=_("Province"),
        queryset=Province.objects.order_by("name"),
        to_field_name="code",
        field_name="organisation__province",
        empty_label=_("All provinces"),
    )
    municipality = django_filters.ChoiceFilter(
        label=_("Municipality"),
        method="filter_municipality",
        empty_label=_("All municipalities"),
        help_text=_("A district includes its local municipalities."),
    )
    category = django_filters.ChoiceFilter(
        label=_("Kind of municipality"),
        choices=Municipality.Category.choices,
        field_name="organisation__municipality__category",
        empty_label=_("Any kind"),
    )
    function = django_filters.ChoiceFilter(
        label=_("Function"), choices=Function.choices, empty_label=_("Any function")
    )
    expertise = django_filters.ModelChoiceFilter(
        label=_("Expertise"),
        queryset=ExpertiseArea.objects.order_by("name"),
        to_field_name="slug",
        method="filter_expertise",
        empty_label=_("Any expertise"),
    )

    class Meta:
        model = Profile
        fields = ["q", "province", "municipality", "category", "function", "expertise"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.form.fields["municipality"]
        # Codes in any case; options grouped by province.
        self.form.fields["municipality"] = UpperCaseChoiceField(
            label=field.label,
            help_text=field.help_text,
            required=False,
            choices=[("", _("All municipalities")), *municipality_choices()],
        )

    def filter_text(self, queryset: QuerySet[Profile], name: str, value: str) -> QuerySet[Profile]:
        query = clean_search_query(value)
        if not query:
            return queryset
        return queryset.filter(text_condition(query))

    def filter_municipality(self, queryset: QuerySet[Profile], name: str, value: str) -> QuerySet[Profile]:
        if not value:
            return queryset
        return queryset.filter(
            Q(organisation__municipality__code=value) | Q(organisation__municipality__district__code=value)
        )

    def filter_expertise(
        self, queryset: QuerySet[Profile], name: str, value: ExpertiseArea | None
    ) -> QuerySet[Profile]:
        if value is None:
            return queryset
        return queryset.filter(expertise=value)


def text_condition(query: str) -> Q:
    """Profiles whose person, job title, organisation or an expertise area contains `query`, accents and case
    ignored. Expertise is matched with EXISTS so a person with two matching areas is not listed twice."""
    matching_expertise = Profile.expertise.through.objects.filter(
        profile_id=OuterRef("pk"), expertisearea__name__unaccent__icontains=query
    )
    return (
        Q(user__full_name__unaccent__icontains=query)
        | Q(job_title__unaccent__icontains=query)
        | Q(organisation__name__unaccent__icontains=query)
        | Exists(matching_expertise)
    )
