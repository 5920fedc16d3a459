"""Values every template gets: site name, navigation state and the permission predicates for the current user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from hub import permissions


def hub(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "DEBUG_MAIL": settings.DEBUG,
        "INFORMATION_OFFICER_NAME": settings.INFORMATION_OFFICER_NAME,
        "INFORMATION_OFFICER_EMAIL": settings.INFORMATION_OFFICER_EMAIL,
        "is_member": permissions.is_member(user),
        "can_verify_officials": permissions.can_verify_officials(user),
        "can_assign_roles": permissions.can_assign_roles(user),
        "can_view_audit_log": permissions.can_view_audit_log(user),
        "prompt_two_factor": _should_prompt_two_factor(user),
    }


def _should_prompt_two_factor(user: Any) -> bool:
    if not permissions.has_staff_role(user):
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
