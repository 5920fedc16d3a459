"""Authentication events written to the `hub.security` log: log-ins, log-outs, failed log-ins, sign-ups, password
and email changes, two-factor changes and failures. (Ending other sessions is logged by
hub.adapters.UserSessionsAdapter: allauth sends no signal for it.)

Only identifiers go to the log (user id, client IP, event): no passwords, no codes, and no attempted email
addresses, because a person who types their password into the email field must not find it in the logs.
These receivers only log; they hold no business logic.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("hub.security")


def _client_ip(request: Any) -> str:
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR", "-")


def _user_id(user: Any) -> Any:
    return getattr(user, "pk", None)


@receiver(user_logged_in)
def log_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("login user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(user_logged_out)
def log_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("logout user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(user_login_failed)
def log_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # The attempted email is not logged in full: a typo'd password in the email field must not reach the logs.
    logger.warning("login_failed ip=%s", _client_ip(request))


@receiver(account_signals.user_signed_up)
def log_signup(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("signup user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(account_signals.password_changed)
def log_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("password_changed user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(account_signals.password_set)
def log_password_set(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("password_set user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(account_signals.password_reset)
def log_password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("password_reset user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(account_signals.email_confirmed)
def log_email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    logger.info("email_confirmed user_id=%s ip=%s", email_address.user_id, _client_ip(request))


@receiver(account_signals.email_added)
def log_email_added(sender: Any, request: Any, user: Any, email_address: Any, **kwargs: Any) -> None:
    logger.info("email_added user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(account_signals.email_changed)
def log_email_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("email_changed user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(account_signals.email_removed)
def log_email_removed(sender: Any, request: Any, user: Any, email_address: Any, **kwargs: Any) -> None:
    logger.info("email_removed user_id=%s ip=%s", _user_id(user), _client_ip(request))


@receiver(mfa_signals.authenticator_added)
def log_authenticator_added(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    logger.info("mfa_added type=%s user_id=%s ip=%s", authenticator.type, _user_id(user), _client_ip(request))


@receiver(mfa_signals.authenticator_removed)
def log_authenticator_removed(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    logger.info(
        "mfa_removed type=%s user_id=%s ip=%s", authenticator.type, _user_id(user), _client_ip(request)
    )


@receiver(mfa_signals.authenticator_reset)
def log_authenticator_reset(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    logger.info("mfa_reset type=%s user_id=%s ip=%s", authenticator.type, _user_id(user), _client_ip(request))


@receiver(mfa_signals.authentication_failed)
def log_mfa_failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.warning("mfa_failed user_id=%s ip=%s", _user_id(user), _client_ip(request))
