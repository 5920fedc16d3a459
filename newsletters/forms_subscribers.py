"""Forms of the subscriber side: the public sign-up, the manage page's details, the staff import and erasure
request. They reject bad input (malformed addresses, line breaks in names, a missing consent tick); the services
assume it is valid."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from hub.models import Function, Language, Municipality
from newsletters.models import Newsletter, normalise_email
from newsletters.validators import has_control_characters

MAX_IMPORT_BYTES = 10 * 1024 * 1024


def clean_person_name(value: str, *, required: bool = False) -> str:
    name = unicodedata.normalize("NFC", value or "").strip()
    if has_control_characters(name):
        raise forms.ValidationError(_("Your name cannot contain line breaks or other control characters."))
    name = " ".join(name.split())
    if required and not name:
        raise forms.ValidationError(_("Enter your name."))
    return name


def clean_address(value: str) -> str:
    raw = (value or "").strip()
    if not raw:
        raise forms.ValidationError(_("Enter your email address."))
    if has_control_characters(raw) or len(raw) > 254:
        raise forms.ValidationError(_("Enter an email address in the correct format, like name@example.org."))
    email = normalise_email(raw)
    try:
        validate_email(email)
    except forms.ValidationError as error:
        raise forms.ValidationError(
            _("Enter an email address in the correct format, like name@example.org.")
        ) from error
    return email


class MunicipalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Municipality) -> str:
        return f"{obj.name} ({obj.province.name})"


class SignUpForm(forms.Form):
    """Public sign-up to one newsletter. The consent box carries the newsletter's own wording, which is what the
    consent record stores."""

    name = forms.CharField(
        label=_("Your name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        label=_("Email address"), max_length=320,
        help_text=_("We will send you an email to confirm. Nothing is sent until you do."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"required": _("Enter your email address.")},
    )
    municipality = MunicipalityChoiceField(
        label=_("Municipality you work for or live in"), required=False,
        queryset=Municipality.objects.select_related("province").order_by("province__name", "name"),
        empty_label=_("Choose a municipality"),
    )
    function = forms.ChoiceField(
        label=_("What you do"), required=False, choices=[("", _("Choose what you do"))] + list(Function.choices),
    )
    language = forms.ChoiceField(label=_("Language you prefer"), choices=Language.choices)
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": _("Tick the box to agree to receive the newsletter.")},
    )

    def __init__(self, *args: Any, newsletter: Newsletter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.newsletter = newsletter
        self.fields["consent"].label = newsletter.consent_wording
        self.fields["language"].initial = newsletter.language

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data.get("name", ""))

    def clean_email(self) -> str:
        return clean_address(self.cleaned_data.get("email", ""))


class SubscriberDetailsForm(forms.Form):
    """The manage page: the name newsletters greet you by and the language you prefer."""

    name = forms.CharField(
        label=_("Your name"), max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    language = forms.ChoiceField(label=_("Language you prefer"), choices=Language.choices)

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data.get("name", ""))


class SubscriberImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with a header row. Columns: email, name, municipality code, province code, function, "
            "language, consent basis, consent date. Every row needs an email, a consent basis and a consent date."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    confirm = forms.BooleanField(
        label=_("Everyone in this file agreed to receive this newsletter, as the consent basis column says."),
        error_messages={"required": _("Confirm that everyone in the file agreed to receive this newsletter.")},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB: split it."))
        return upload


class SubscriberEraseForm(forms.Form):
    """Staff record a subscriber's erasure request (made by email or letter)."""

    email = forms.CharField(
        label=_("Email address to erase"), max_length=320,
        error_messages={"required": _("Enter the email address to erase.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand this cannot be undone: the subscriptions, consent records and address are deleted."),
        error_messages={"required": _("Confirm that you want to erase this subscriber.")},
    )

    def clean_email(self) -> str:
        return clean_address(self.cleaned_data.get("email", ""))
