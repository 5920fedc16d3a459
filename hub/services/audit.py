"""The one way to write the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from hub.models import AuditEntry


def record_audit(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry for a staff action. Call it inside the service's transaction so the entry and the
    change commit (or roll back) together. `before`/`after` hold only the fields that changed, JSON-serialisable."""
    changes: dict[str, Any] = {}
    if before is not None:
        changes["before"] = before
    if after is not None:
        changes["after"] = after
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor_obj,
        actor_label=(f"{actor_obj.display_name} <{actor_obj.email}>" if actor_obj else "system")[:200],
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:300] if target is not None else "",
        summary=summary[:500],
        changes=changes,
    )
