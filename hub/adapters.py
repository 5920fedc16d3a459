"""allauth adapter: hub-specific behaviour of sign-up and account emails."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "").strip()
        if commit:
            user.save()
            from hub.services.people import ensure_profile

            ensure_profile(user=user)
        return user
