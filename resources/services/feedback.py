"""'Was this useful?': one answer per member per resource (changing it updates the same row), anonymous answers
counted once per browser session. The resource's useful/not useful counters always equal the stored answers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from resources.models import Feedback, Resource

COMMENT_MAX_LENGTH = 1000


def _counter(is_useful: bool) -> str:
    return "useful_count" if is_useful else "not_useful_count"


@transaction.atomic
def record_feedback(
    *, resource: Resource, user: Any, is_useful: bool, comment: str = "", anonymous_feedback_id: int | None = None
) -> Feedback:
    """Record a person's answer about `resource` and keep its counters consistent.

    A signed-in person has one answer per resource (unique constraint): answering again changes it, moving one
    count from one counter to the other if the answer flipped. A visitor's answer is stored without a user;
    `anonymous_feedback_id` (kept in their session by the view) lets the same browser change its answer instead of
    adding another. The resource row is locked while counting, so concurrent answers never lose a count."""
    comment = " ".join(comment.split())[:COMMENT_MAX_LENGTH]
    # Serialise answers about this resource: the counters are adjusted from what the row said before.
    Resource.objects.select_for_update().filter(pk=resource.pk).values_list("pk", flat=True).first()
    authenticated = bool(getattr(user, "is_authenticated", False))
    if authenticated:
        existing = Feedback.objects.filter(resource=resource, user=user).first()
    elif anonymous_feedback_id:
        existing = Feedback.objects.filter(pk=anonymous_feedback_id, resource=resource, user__isnull=True).first()
    else:
        existing = None

    if existing is None:
        feedback = Feedback.objects.create(
            resource=resource, user=user if authenticated else None, is_useful=is_useful, comment=comment
        )
        Resource.objects.filter(pk=resource.pk).update(**{_counter(is_useful): F(_counter(is_useful)) + 1})
        return feedback

    if existing.is_useful != is_useful:
        Resource.objects.filter(pk=resource.pk).update(
            **{
                _counter(existing.is_useful): F(_counter(existing.is_useful)) - 1,
                _counter(is_useful): F(_counter(is_useful)) + 1,
            }
        )
    existing.is_useful = is_useful
    if comment:
        existing.comment = comment
    existing.save(update_fields=["is_useful", "comment"])
    return existing
