"""The providers' bounce and complaint webhooks: django-anymail's tracking views, mounted under
/newsletters/webhooks/<provider>/tracking/ (e.g. /newsletters/webhooks/postmark/tracking/).

Anymail checks HTTP basic auth against ANYMAIL["WEBHOOK_SECRET"], but when that setting is empty it only warns and
accepts anyone's post. A forged "complaint" would then unsubscribe and suppress any address, so these views refuse
every request (403, nothing read, nothing changed) until a secret is configured. Events that pass reach
newsletters.integration.handle_tracking_event through anymail's `tracking` signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


def webhook_secret_configured() -> bool:
    secret = (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET")
    if isinstance(secret, (list, tuple)):
        return any(str(value).strip() for value in secret)
    return bool(str(secret or "").strip())


def require_webhook_secret(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt  # providers post without a session; anymail authenticates with basic auth instead
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not webhook_secret_configured():
            logger.error("newsletters webhook refused: ANYMAIL_WEBHOOK_SECRET is not set")
            return HttpResponse(
                "Webhooks are disabled until ANYMAIL_WEBHOOK_SECRET is set.", status=403, content_type="text/plain"
            )
        return view(request, *args, **kwargs)

    guarded.__name__ = getattr(view, "__name__", "webhook")
    guarded.__doc__ = view.__doc__
    return guarded


def tracking_patterns() -> list[URLPattern]:
    """anymail's tracking webhook URL patterns (every provider it supports), each view wrapped by
    require_webhook_secret; inbound-mail webhooks are left out (the newsletters receive no mail)."""
    from anymail.urls import urlpatterns

    patterns = []
    for pattern in urlpatterns:
        name = pattern.name or ""
        if not (name.endswith("_tracking_webhook") or name == "mandrill_tracking_webhook"):
            continue
        patterns.append(
            URLPattern(pattern.pattern, require_webhook_secret(pattern.callback), pattern.default_args, name)
        )
    return patterns
