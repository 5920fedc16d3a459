"""allauth's account and two-factor forms in the hub's own words (ACCOUNT_FORMS and MFA_FORMS in settings).

The forms keep allauth's behaviour; only what a person reads changes: sentence-case labels, hints instead of
placeholders (GOV.UK: placeholder text disappears while typing and is often too faint to read), and one plain
password hint instead of the list of validator rules. Kept apart from hub.forms because allauth imports
hub.forms.SignupForm while it builds its own forms (ACCOUNT_SIGNUP_FORM_CLASS): importing allauth's forms from
hub.forms would be circular.
"""

from __future__ import annotations

from typing import Any

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.totp import forms as mfa_totp_forms
from django import forms
from django.utils.translation import gettext_lazy as _

PASSWORD_HINT = _(
    "Use at least 10 characters. A few unrelated words make a strong password that is easy to remember. "
    "Common passwords, only numbers or your name are not accepted."
)
CODE_HINT = _("The 6-digit code your authenticator app shows now.")


class HubWordingMixin:
    """Applies `labels` and `hints` by field name and removes placeholders from every widget."""

    labels: dict[str, Any] = {}
    hints: dict[str, Any] = {}
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]
            if name in self.hints:
                field.help_text = self.hints[name]


class LoginForm(HubWordingMixin, account_forms.LoginForm):
    labels = {
        "login": _("Email address"),
        "password": _("Password"),
        "remember": _("Keep me logged in on this device"),
    }
    # The "Forgot your password?" link sits under the form, not inside the password field's hint.
    hints = {"password": "", "remember": _("Only on a device that you alone use.")}


class SignupForm(HubWordingMixin, account_forms.SignupForm):
    labels = {
        "email": _("Email address"),
        "password1": _("Create a password"),
        "password2": _("Confirm password"),
    }
    hints = {
        "email": _(
            "We will send a link to this address to confirm it is yours. If you work for a municipality or "
            "SALGA, use your work address: it can confirm where you work."
        ),
        "password1": PASSWORD_HINT,
    }


class ResetPasswordForm(HubWordingMixin, account_forms.ResetPasswordForm):
    labels = {"email": _("Email address")}
    hints = {"email": _("The address you use to log in.")}


class ResetPasswordKeyForm(HubWordingMixin, account_forms.ResetPasswordKeyForm):
    labels = {"password1": _("New password"), "password2": _("Confirm new password")}
    hints = {"password1": PASSWORD_HINT}


class ChangePasswordForm(HubWordingMixin, account_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("Current password"),
        "password1": _("New password"),
        "password2": _("Confirm new password"),
    }
    hints = {"oldpassword": "", "password1": PASSWORD_HINT}


class SetPasswordForm(HubWordingMixin, account_forms.SetPasswordForm):
    labels = {"password1": _("Password"), "password2": _("Confirm password")}
    hints = {"password1": PASSWORD_HINT}


class AddEmailForm(HubWordingMixin, account_forms.AddEmailForm):
    labels = {"email": _("New email address")}
    hints = {
        "email": _(
            "We will send a link to the new address. Your current address stays in use until you confirm it."
        )
    }


class ReauthenticateForm(HubWordingMixin, account_forms.ReauthenticateForm):
    labels = {"password": _("Password")}
    hints = {"password": ""}


class AuthenticateForm(HubWordingMixin, mfa_base_forms.AuthenticateForm):
    labels = {"code": _("Authentication code")}
    hints = {"code": _("The 6-digit code from your authenticator app, or one of your recovery codes.")}


class ReauthenticateCodeForm(HubWordingMixin, mfa_base_forms.ReauthenticateForm):
    labels = {"code": _("Authentication code")}
    hints = {"code": CODE_HINT}


class ActivateTOTPForm(HubWordingMixin, mfa_totp_forms.ActivateTOTPForm):
    labels = {"code": _("Code from your app")}
    hints = {"code": CODE_HINT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})
