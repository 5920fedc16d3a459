"""Forms of the hub: sign-up additions, profile, contact, role and verification decisions."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Fields allauth's sign-up form gains (ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As colleagues know you, for example Nomvula Dlamini."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["full_name", "email", "password1", "password2"]

    def clean_full_name(self) -> str:
        # NFC so that "Tshivenḓa" typed with a combining mark and with a precomposed letter compare equal.
        name = " ".join(unicodedata.normalize("NFC", self.cleaned_data["full_name"]).split())
        if not name:
            raise forms.ValidationError(_("Enter your full name."))
        if any(unicodedata.category(character) == "Cc" for character in name):
            raise forms.ValidationError(_("Your name cannot contain control characters."))
        return name

    def signup(self, request: Any, user: Any) -> None:
        """Called by allauth after the account is saved; hub.adapters.AccountAdapter.save_user already stored the
        name, so this only repairs it if a different adapter is configured."""
        if user.full_name != self.cleaned_data["full_name"]:
            user.full_name = self.cleaned_data["full_name"]
            user.save(update_fields=["full_name"])


class GroupedOrganisationIterator(forms.models.ModelChoiceIterator):
    """Organisations as <optgroup>s: SALGA's offices, then each province's municipalities, then others."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for organisation in organisations_in_choice_order(self.queryset):
            groups.setdefault(organisation_group_label(organisation), []).append(self.choice(organisation))
        yield from groups.items()


def organisation_group_label(organisation: Any) -> str:
    from hub.models import Organisation

    if organisation.kind == Organisation.Kind.SALGA:
        return str(_("SALGA"))
    if organisation.kind == Organisation.Kind.MUNICIPALITY:
        return str(_("Municipalities in %(province)s") % {"province": organisation.province.name})
    return str(_("Other organisations"))


def organisations_in_choice_order(queryset: Any) -> list[Any]:
    from hub.models import Organisation

    kind_order = {Organisation.Kind.SALGA: 0, Organisation.Kind.MUNICIPALITY: 1, Organisation.Kind.OTHER: 2}
    return sorted(
        queryset.select_related("province", "municipality"),
        key=lambda organisation: (
            kind_order.get(organisation.kind, 3),
            not organisation.is_national_office,
            organisation.province.name if organisation.kind == Organisation.Kind.MUNICIPALITY else "",
            organisation.name.lower(),
        ),
    )


class OrganisationChoiceField(forms.ModelChoiceField):
    iterator = GroupedOrganisationIterator

    def label_from_instance(self, obj: Any) -> str:
        if obj.municipality_id:
            return f"{obj.name} ({obj.municipality.code})"
        return obj.name


class ProfileForm(forms.Form):
    """What a member tells the hub about themselves (/accounts/profile/). Both directory choices are off until the
    person turns them on."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=None,
        required=False,
        empty_label=_("None of these"),
        help_text=_(
            "Where you work. If you change it, SALGA needs to verify your affiliation again (unless your verified "
            "email address is at that municipality's domain)."
        ),
    )
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    function = forms.ChoiceField(label=_("Function"), required=False)
    bio = forms.CharField(
        label=_("Short bio"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Up to 600 characters: what you work on and what peers could ask you about."),
    )
    expertise = forms.ModelMultipleChoiceField(
        label=_("Expertise"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose the areas you know well."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    listed_in_directory = forms.BooleanField(
        label=_("List me in the member directory"),
        required=False,
        help_text=_(
            "Other signed-in members will see your name, organisation, job title, function, bio, expertise and "
            "languages, and can send you a message through the hub. Your email address is never shown. Visitors "
            "who are not signed in see none of this. You can turn this off at any time."
        ),
    )
    available_as_expert = forms.BooleanField(
        label=_("I am available to advise peers"),
        required=False,
        help_text=_(
            "You will appear in the expert directory, seen only by signed-in members, who can ask you for advice "
            "through the hub without seeing your email address. You can turn this off at any time."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from hub.models import ExpertiseArea, Function, Language, Organisation

        self.fields["organisation"].queryset = Organisation.objects.all()
        self.fields["expertise"].queryset = ExpertiseArea.objects.order_by("name")
        self.fields["function"].choices = [("", _("Not given")), *Function.choices]
        self.fields["languages"].choices = Language.choices

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your full name."))
        return name

    def clean_job_title(self) -> str:
        return " ".join(self.cleaned_data["job_title"].split())


class ContactForm(forms.Form):
    """A message to another member, sent through the portal (/people/<pk>/contact/)."""

    subject = forms.CharField(label=_("Subject"), max_length=150)
    message = forms.CharField(
        label=_("Message"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Up to 3,000 characters. Say who you are and why you are writing. Your email address is not shared: "
            "they answer through the hub."
        ),
    )

    def clean_subject(self) -> str:
        subject = " ".join(self.cleaned_data["subject"].split())
        if not subject:
            raise forms.ValidationError(_("Enter a subject."))
        return subject
