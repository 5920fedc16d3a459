"""Who may do what with the newsletters. Views, services and templates ask these predicates so each rule lives in
one place. Reading (index, archives, web versions, feeds) follows the QuerySets' `visible_to(user)`; publishing is for
newsletter publishers and site administrators."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from hub.permissions import is_newsletter_publisher, is_site_administrator
from newsletters.models import Issue, Newsletter


def can_publish_newsletters(user: Any) -> bool:
    """Compose, preview, test, schedule, send, pause and cancel issues; create and edit lists; see reports."""
    return is_newsletter_publisher(user) or is_site_administrator(user)


def approval_required() -> bool:
    return bool(getattr(settings, "NEWSLETTER_REQUIRE_APPROVAL", False))


def can_approve_issue(user: Any, issue: Issue) -> bool:
    """With NEWSLETTER_REQUIRE_APPROVAL on, a second publisher (not the one who created the issue, nor the one who
    started a send of it) approves it before it may be sent or scheduled. Only unsent, unapproved issues."""
    if not approval_required() or not can_publish_newsletters(user):
        return False
    if issue.status not in (Issue.Status.DRAFT,) or issue.approved_at is not None:
        return False
    return user.pk not in {issue.created_by_id, issue.started_by_id}


def is_approved_for_sending(issue: Issue) -> bool:
    """Whether the approval rule lets this issue be sent or scheduled."""
    return not approval_required() or issue.approved_at is not None


def can_view_newsletter(user: Any, newsletter: Newsletter) -> bool:
    return Newsletter.objects.visible_to(user).filter(pk=newsletter.pk).exists()


def can_view_issue(user: Any, issue: Issue) -> bool:
    return Issue.objects.visible_to(user).filter(pk=issue.pk).exists()


def can_subscribe_as_member(user: Any, newsletter: Newsletter) -> bool:
    """A signed-in member's one-click subscription: an active newsletter they may see (public and members' lists for
    every member, a network's list for its members, the staff list for SALGA staff)."""
    from hub.permissions import is_member

    return bool(
        is_member(user)
        and newsletter.is_active
        and Newsletter.objects.visible_to(user).filter(pk=newsletter.pk).exists()
    )
