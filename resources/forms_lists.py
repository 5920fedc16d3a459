"""Forms of "My library" (naming a saved search, its weekly digest) and of curating collections."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from resources.services.library import NAME_MAX_LENGTH


class SavedSearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text=_(
            "So you can recognise it in your library, for example “Water tariffs in the Western Cape”."
        ),
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"}),
    )
    email_digest = forms.BooleanField(
        label=_("Email me once a week when new resources match this search"),
        required=False,
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data.get("name", "").split())
        if any(ord(character) < 32 for character in name):
            raise forms.ValidationError(_("Enter a name without control characters."))
        return name


class NewSavedSearchForm(SavedSearchForm):
    """Saving a search from the search page: the page's query string comes along in a hidden field."""

    # Any length: the service keeps only what decides the search (see normalise_query_string).
    query_string = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    field_order = ["name", "email_digest", "query_string"]


# --- Collections (curators) ---------------------------------------------------------------------------------------


class CollectionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"}),
    )
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=5000,
        help_text=_("What the collection is for and how to use it. Markdown: **bold**, lists, links."),
        widget=forms.Textarea(attrs={"class": "input", "rows": 6}),
    )
    is_featured = forms.BooleanField(label=_("Feature this collection on the home page"), required=False)
    is_published = forms.BooleanField(
        label=_("Published (everyone can see it)"), required=False, initial=True
    )

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Enter a title."))
        return title


class NewCollectionForm(forms.Form):
    title = forms.CharField(
        label=_("Title of the new collection"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"}),
    )

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Enter a title."))
        return title


class CollectionItemForm(forms.Form):
    """Add a resource by its address (https://.../resources/<slug>/) or its slug."""

    resource = forms.CharField(
        label=_("Resource to add"),
        max_length=1000,
        help_text=_(
            "Paste the address of the resource's page, for example https://hub.example.org/resources/ward-committee-handbook/"
        ),
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Why it is here"),
        required=False,
        max_length=500,
        help_text=_("One line shown under the resource in this collection."),
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"}),
    )

    def __init__(self, *args, queryset=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def clean_resource(self):
        from urllib.parse import urlparse

        raw = self.cleaned_data["resource"].strip()
        path = urlparse(raw).path if "/" in raw else raw
        parts = [part for part in path.split("/") if part]
        slug = parts[-1] if parts else ""
        if len(parts) >= 2 and parts[-2] != "resources" and "resources" in parts:
            slug = parts[parts.index("resources") + 1]
        resource = self.queryset.filter(slug=slug).first() if slug and self.queryset is not None else None
        if resource is None:
            raise forms.ValidationError(
                _("No published resource has that address. Copy it from the resource's page.")
            )
        return resource
