"""Authentication events written to the `hub.security` log (log-ins, log-outs, failed log-ins)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("hub.security")


def _client_ip(request: Any) -> str:
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR", "-")


@receiver(user_logged_in)
def log_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("login user_id=%s ip=%s", user.pk, _client_ip(request))


@receiver(user_logged_out)
def log_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("logout user_id=%s ip=%s", getattr(user, "pk", None), _client_ip(request))


@receiver(user_login_failed)
def log_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # The attempted email is not logged in full: a typo'd password in the email field must not reach the logs.
    logger.warning("login_failed ip=%s", _client_ip(request))
