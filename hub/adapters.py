"""allauth adapters: hub-specific behaviour of sign-up and of ending sessions."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django import forms
from django.utils.translation import gettext as _

security_logger = logging.getLogger("hub.security")
EMAIL_MAX_LENGTH = 254


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Refuse addresses longer than the user table holds (254 characters, RFC 5321's limit on a path), which
        an email form field alone would let through to the database."""
        email = super().clean_email(email)
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                _("Enter an email address of at most %(limit)d characters.") % {"limit": EMAIL_MAX_LENGTH}
            )
        return email

    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        """Save a new account with its full name, and give it its (empty, nothing opted in) profile."""
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "").strip()
        if commit:
            user.save()
            from hub.services.people import ensure_profile

            ensure_profile(user=user)
        return user


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Any) -> None:
        """End the given sessions ("log out of other devices") and record it in the security log."""
        sessions = list(sessions)
        super().end_sessions(sessions)
        for session in sessions:
            security_logger.info("session_ended user_id=%s session_ip=%s", session.user_id, session.ip)
