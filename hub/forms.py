"""Forms of the hub: sign-up additions, profile, contact, role and verification decisions."""

from __future__ import annotations

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
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your full name."))
        return name

    def signup(self, request: Any, user: Any) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.save(update_fields=["full_name"])
