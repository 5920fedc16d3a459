"""Composing: newsletters (lists) and their issues. Creating and editing an issue (only while it is a draft; its
subject becomes its web address, unique within the list), approval by a second publisher when
NEWSLETTER_REQUIRE_APPROVAL is on, and creating and editing lists. Every change writes the audit log in the same
transaction. Sending, scheduling, pausing and cancelling are newsletters.services.dispatch.

Values that go into mail headers (subject, sender name and address, reply-to) are refused when they carry a line
break or other control character, whatever the caller: the forms say so first, this is the last line."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hub.services.audit import record_audit
from newsletters.blocks import block_errors
from newsletters.models import Audience, Issue, Newsletter
from newsletters.permissions import can_approve_issue, can_publish_newsletters
from newsletters.services.audience import clean_filter
from newsletters.validators import has_control_characters

ISSUE_FIELDS = ("subject", "preheader", "body", "audience_filter")
NEWSLETTER_FIELDS = (
    "name", "slug", "description", "audience", "network", "language", "sender_name", "sender_email", "reply_to",
    "physical_address", "contact_details", "consent_wording", "is_active",
)
HEADER_FIELDS = ("subject", "preheader", "sender_name", "sender_email", "reply_to", "name")
# An issue's address is /newsletters/<list>/<issue>/; these words are the list's own pages there.
RESERVED_ISSUE_SLUGS = frozenset({"feed", "subscribe"})


class IssueError(Exception):
    """A refused change; the message is shown to the publisher."""


def _refuse_header_injection(values: dict[str, Any]) -> None:
    for name in HEADER_FIELDS:
        if has_control_characters(str(values.get(name) or "")):
            raise IssueError(
                _("The %(field)s contains a line break or other control character; remove it.")
                % {"field": name.replace("_", " ")}
            )


def _require_publisher(user: Any) -> None:
    if not can_publish_newsletters(user):
        raise IssueError(_("Only newsletter publishers can do that."))


def _unique_slug(newsletter: Newsletter, subject: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(subject)[:90].strip("-") or "issue"
    taken = set(
        Issue.objects.filter(newsletter=newsletter, slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    ) | RESERVED_ISSUE_SLUGS
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


def _check_content(newsletter: Newsletter, values: dict[str, Any]) -> None:
    _refuse_header_injection(values)
    if not str(values.get("subject") or "").strip():
        raise IssueError(_("Enter a subject."))
    problems = block_errors(newsletter=newsletter, body=values.get("body") or "")
    if problems:
        raise IssueError(" ".join(problems))


@transaction.atomic
def create_issue(
    *,
    newsletter: Newsletter,
    acting_user: Any,
    subject: str,
    preheader: str = "",
    body: str = "",
    audience_filter: dict[str, Any] | None = None,
) -> Issue:
    """A new draft issue of `newsletter`, with a web address made from its subject. Audited."""
    _require_publisher(acting_user)
    values = {"subject": subject.strip(), "preheader": preheader.strip(), "body": body}
    _check_content(newsletter, values)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                issue = Issue.objects.create(
                    newsletter=newsletter,
                    slug=_unique_slug(newsletter, values["subject"]),
                    audience_filter=clean_filter(audience_filter),
                    created_by=acting_user,
                    **values,
                )
            break
        except IntegrityError:  # another publisher took the same address a moment ago: try the next number
            continue
    else:  # pragma: no cover - five collisions in a row
        raise IssueError(_("Could not find a free web address for this subject; change it slightly."))
    record_audit(actor=acting_user, action="newsletter.issue_create", target=issue, summary=issue.subject)
    return issue


@transaction.atomic
def update_issue(*, issue: Issue, acting_user: Any, **changes: Any) -> Issue:
    """Change a draft's subject, preheader, body or audience. Refused once it is scheduled, sending, paused, sent or
    cancelled (its content is then fixed). A change withdraws an earlier approval. Audited with before/after."""
    _require_publisher(acting_user)
    locked = Issue.objects.select_for_update().select_related("newsletter").get(pk=issue.pk)
    if not locked.is_editable:
        raise IssueError(not_editable_message(locked))
    unknown = set(changes) - set(ISSUE_FIELDS)
    if unknown:
        raise TypeError(f"update_issue() got unexpected fields: {sorted(unknown)}")
    if "audience_filter" in changes:
        changes["audience_filter"] = clean_filter(changes["audience_filter"])
    for name in ("subject", "preheader"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    merged = {name: changes.get(name, getattr(locked, name)) for name in ISSUE_FIELDS}
    _check_content(locked.newsletter, merged)
    before = {name: getattr(locked, name) for name in changes if getattr(locked, name) != changes[name]}
    if not before:
        return locked
    for name in before:
        setattr(locked, name, changes[name])
    if "subject" in before:
        locked.slug = _unique_slug(locked.newsletter, locked.subject, exclude_pk=locked.pk)
    update_fields = [*before, "slug", "updated_at"]
    if locked.approved_at is not None:
        locked.approved_at, locked.approved_by = None, None
        update_fields += ["approved_at", "approved_by"]
    locked.save(update_fields=update_fields)
    # The body can be long: the log says that it changed, not what it was.
    record_audit(
        actor=acting_user, action="newsletter.issue_update", target=locked,
        summary=_("Body changed") if "body" in before else "",
        before={name: value for name, value in before.items() if name != "body"},
        after={name: getattr(locked, name) for name in before if name != "body"},
    )
    return locked


def not_editable_message(issue: Issue) -> str:
    if issue.status == Issue.Status.SCHEDULED:
        return _("This issue is scheduled, so it can no longer be edited. Cancel the schedule first to edit it.")
    return _("This issue is %(status)s, so it can no longer be edited.") % {
        "status": issue.get_status_display().lower()
    }


@transaction.atomic
def approve_issue(*, issue: Issue, acting_user: Any) -> Issue:
    """A second publisher approves a draft for sending (NEWSLETTER_REQUIRE_APPROVAL). Audited."""
    locked = Issue.objects.select_for_update().get(pk=issue.pk)
    if not can_approve_issue(acting_user, locked):
        if locked.approved_at is not None:
            raise IssueError(_("This issue is already approved."))
        if not locked.is_editable:
            raise IssueError(_("Only a draft can be approved."))
        raise IssueError(_("Another publisher, not the one who wrote this issue, must approve it."))
    locked.approved_by, locked.approved_at = acting_user, timezone.now()
    locked.save(update_fields=["approved_by", "approved_at", "updated_at"])
    record_audit(actor=acting_user, action="newsletter.issue_approve", target=locked, summary=locked.subject)
    return locked


def _check_newsletter(values: dict[str, Any]) -> None:
    _refuse_header_injection(values)
    audience = values.get("audience")
    if (audience == Audience.NETWORK_MEMBERS) != bool(values.get("network")):
        raise IssueError(_("Choose a network for a network members' newsletter, and only for one."))


@transaction.atomic
def create_newsletter(*, acting_user: Any, **fields: Any) -> Newsletter:
    """A new list. Audited."""
    _require_publisher(acting_user)
    unknown = set(fields) - set(NEWSLETTER_FIELDS)
    if unknown:
        raise TypeError(f"create_newsletter() got unexpected fields: {sorted(unknown)}")
    _check_newsletter(fields)
    newsletter = Newsletter.objects.create(**fields)
    record_audit(actor=acting_user, action="newsletter.create", target=newsletter, summary=newsletter.name)
    return newsletter


@transaction.atomic
def update_newsletter(*, newsletter: Newsletter, acting_user: Any, **changes: Any) -> Newsletter:
    """Change a list's details. Issues already sending keep the identity frozen in their messages. Audited."""
    _require_publisher(acting_user)
    unknown = set(changes) - set(NEWSLETTER_FIELDS)
    if unknown:
        raise TypeError(f"update_newsletter() got unexpected fields: {sorted(unknown)}")
    locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk)
    merged = {name: changes.get(name, getattr(locked, name)) for name in NEWSLETTER_FIELDS}
    _check_newsletter(merged)
    before = {name: getattr(locked, name) for name in changes if getattr(locked, name) != changes[name]}
    if not before:
        return locked
    for name in before:
        setattr(locked, name, changes[name])
    locked.save(update_fields=list(before))
    record_audit(
        actor=acting_user, action="newsletter.update", target=locked,
        before={k: _jsonable(v) for k, v in before.items()},
        after={k: _jsonable(getattr(locked, k)) for k in before},
    )
    return locked


def _jsonable(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


__all__ = [
    "IssueError", "approve_issue", "create_issue", "create_newsletter", "not_editable_message", "update_issue",
    "update_newsletter",
]
