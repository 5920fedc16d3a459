"""My library: a member's saved resources and saved searches, and the weekly email digest of new matches for saved
searches. Writes are idempotent (database unique constraints, get_or_create) so a double-click or a resubmitted
form never creates duplicates."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub import permissions
from resources.models import Resource, SavedResource, SavedSearch

logger = logging.getLogger(__name__)

# Parameters of a /resources/ URL that do not change what matches (page number, sort order of the page, view).
IGNORED_SEARCH_PARAMETERS = frozenset({"page", "sort", "per_page"})
QUERY_STRING_MAX_LENGTH = 2000
QUERY_MAX_LENGTH = 200  # as resources.selectors.QUERY_MAX_LENGTH: longer searches are cut there anyway
VALUE_MAX_LENGTH = 120  # a facet value (slug, code, year, id)
NAME_MAX_LENGTH = 120
DIGEST_INTERVAL = timedelta(days=7)
# The timer may fire a little early (or the previous run may have finished late): a search is due again after
# slightly less than a week, never twice within the same few days.
DIGEST_SLACK = timedelta(hours=12)
DIGEST_MAX_ITEMS = 20


# --- Saved resources ------------------------------------------------------------------------------------------


def _require_member(user: Any) -> None:
    if not permissions.is_member(user):
        raise PermissionDenied


def save_resource(*, user: Any, resource: Resource) -> bool:
    """Add `resource` to the member's library. Idempotent: returns True if it was added now, False if it was
    already there. The caller has checked that the person may see the resource."""
    _require_member(user)
    try:
        with transaction.atomic():
            _, created = SavedResource.objects.get_or_create(user=user, resource=resource)
    except IntegrityError:  # a simultaneous save of the same item won the race
        return False
    return created


def unsave_resource(*, user: Any, resource: Resource) -> bool:
    """Remove `resource` from the member's library. Idempotent: returns True if it was removed now."""
    _require_member(user)
    deleted, _per_model = SavedResource.objects.filter(user=user, resource=resource).delete()
    return bool(deleted)


def set_saved(*, user: Any, resource: Resource, saved: bool) -> bool:
    """Make the saved state of `resource` for `user` be `saved` (idempotent). Returns True if anything changed."""
    if saved:
        return save_resource(user=user, resource=resource)
    return unsave_resource(user=user, resource=resource)


# --- Saved searches -------------------------------------------------------------------------------------------


def normalise_query_string(query_string: str) -> str:
    """The part of a /resources/ query string that decides what matches, in a stable order, without empty values or
    the page number: "page=2&q=water&type=guide&q=" and "type=guide&q=water" give the same saved search. Values are
    cut to the lengths search uses (the words to 200 characters) and whole parameters are dropped from the end
    rather than cut, so the result always fits QUERY_STRING_MAX_LENGTH and is still a valid search."""
    raw = (query_string or "").strip().lstrip("?")
    parameters = QueryDict(raw[:20_000])
    pairs: list[tuple[str, str]] = []
    for key in sorted(parameters.keys()):
        if key in IGNORED_SEARCH_PARAMETERS or not key or len(key) > 40:
            continue
        for value in parameters.getlist(key):
            value = " ".join(value.split())[: VALUE_MAX_LENGTH if key != "q" else QUERY_MAX_LENGTH]
            if value:
                pairs.append((key, value))
    pairs = sorted(dict.fromkeys(pairs))
    encoded = urlencode(pairs)
    while pairs and len(encoded) > QUERY_STRING_MAX_LENGTH:
        pairs.pop()
        encoded = urlencode(pairs)
    return encoded


def describe_query_string(query_string: str) -> str:
    """A short default name for a saved search: its words, or "All resources" with filters counted."""
    parameters = QueryDict(query_string)
    words = " ".join(parameters.get("q", "").split())
    filters = sum(len(parameters.getlist(key)) for key in parameters if key != "q")
    if words:
        name = f"“{words}”"
        if filters:
            name += " " + ngettext("(%(count)d filter)", "(%(count)d filters)", filters) % {"count": filters}
    elif filters:
        name = ngettext("Resources with %(count)d filter", "Resources with %(count)d filters", filters) % {
            "count": filters
        }
    else:
        name = _("All resources")
    return name[:NAME_MAX_LENGTH]


def search_url(saved_search: SavedSearch) -> str:
    """The /resources/ URL the saved search stands for."""
    url = reverse("resources:resource_list")
    return f"{url}?{saved_search.query_string}" if saved_search.query_string else url


@transaction.atomic
def save_search(
    *, user: Any, query_string: str, name: str = "", email_digest: bool = False
) -> tuple[SavedSearch, bool]:
    """Keep a search in the member's library (query string normalised; name defaults to a description of it).
    Saving the same search again updates its name and digest choice instead of adding a copy. Returns the saved
    search and whether it is new. A new digest starts from now: only resources published after saving are sent."""
    _require_member(user)
    normalised = normalise_query_string(query_string)
    name = (" ".join((name or "").split()) or describe_query_string(normalised))[:NAME_MAX_LENGTH]
    try:
        with transaction.atomic():
            saved_search, created = SavedSearch.objects.get_or_create(
                user=user,
                query_string=normalised,
                defaults={"name": name, "email_digest": email_digest},
            )
    except IntegrityError:
        saved_search, created = SavedSearch.objects.get(user=user, query_string=normalised), False
    if not created and (saved_search.name != name or saved_search.email_digest != email_digest):
        saved_search.name = name
        saved_search.email_digest = email_digest
        saved_search.save(update_fields=["name", "email_digest"])
    return saved_search, created


@transaction.atomic
def update_saved_search(
    *, saved_search: SavedSearch, user: Any, name: str, email_digest: bool
) -> SavedSearch:
    """Rename a saved search or turn its weekly digest on or off. Only its owner may; others get PermissionDenied.
    Turning the digest on starts from now (no flood of old matches)."""
    if saved_search.user_id != getattr(user, "pk", None):
        raise PermissionDenied
    saved_search = SavedSearch.objects.select_for_update().get(pk=saved_search.pk)
    if email_digest and not saved_search.email_digest:
        saved_search.last_sent_at = timezone.now()
    saved_search.name = (" ".join(name.split()) or describe_query_string(saved_search.query_string))[
        :NAME_MAX_LENGTH
    ]
    saved_search.email_digest = email_digest
    saved_search.save(update_fields=["name", "email_digest", "last_sent_at"])
    return saved_search


def delete_saved_search(*, saved_search: SavedSearch, user: Any) -> None:
    """Delete a saved search (its owner only)."""
    if saved_search.user_id != getattr(user, "pk", None):
        raise PermissionDenied
    SavedSearch.objects.filter(pk=saved_search.pk, user=user).delete()


# --- Weekly digest --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRun:
    checked: int
    sent: int


def new_matches(
    *, saved_search: SavedSearch, since: datetime, limit: int = DIGEST_MAX_ITEMS
) -> tuple[list[Resource], int]:
    """Resources published after `since` that match the saved search and that its owner may see (now), newest
    first, and how many there are in all."""
    parameters = QueryDict(saved_search.query_string)
    matches = _matching_resources(user=saved_search.user, parameters=parameters).filter(
        published_at__gt=since
    )
    total = matches.count()
    items = (
        list(matches.select_related("organisation").order_by("-published_at", "-pk")[:limit]) if total else []
    )
    return items, total


def _matching_resources(*, user: Any, parameters: QueryDict):
    """The resources a /resources/ search with these parameters finds for `user`, as a queryset: the browse page's
    own filter set parses the parameters (invalid values are dropped, as on the page; the visibility filter only
    for staff) and its facet conditions and full-text query apply, on top of visible_to(user)."""
    from django.contrib.postgres.search import SearchQuery

    from resources.filters import ResourceFilter
    from resources.selectors import apply_filters
    from resources.services.search import SEARCH_CONFIG

    resource_filter = ResourceFilter(parameters, queryset=Resource.objects.none(), user=user)
    matches = apply_filters(Resource.objects.visible_to(user), resource_filter.facet_values())
    query = resource_filter.cleaned_query
    if query:
        matches = matches.filter(
            search_vector=SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        )
    return matches


def _digest_due(saved_search: SavedSearch, now: datetime) -> bool:
    return saved_search.last_sent_at is None or saved_search.last_sent_at <= now - (
        DIGEST_INTERVAL - DIGEST_SLACK
    )


def send_saved_search_digests(*, now: datetime | None = None) -> DigestRun:
    """For every saved search with the weekly digest on whose owner is an active member, and which was last sent a
    week or more ago: find the resources published since then (since it was saved, the first time) that match it
    and that the owner may see, and email them in one message. `last_sent_at` is set in the same transaction as the
    email is queued (the mail backend sends on commit), with the row locked (SKIP LOCKED) so two overlapping runs
    never send the same digest twice and a rerun sends nothing new. A search with no new matches sends nothing and
    keeps its `last_sent_at`, so the next digest still covers everything since the last email."""
    now = now or timezone.now()
    threshold = now - (DIGEST_INTERVAL - DIGEST_SLACK)
    candidate_ids = list(
        SavedSearch.objects.filter(email_digest=True, user__is_active=True, user__is_former_member=False)
        .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=threshold))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for saved_search_id in candidate_ids:
        try:
            if _send_one_digest(saved_search_id=saved_search_id, now=now):
                sent += 1
        except Exception:  # one broken search must not stop the others' digests
            logger.exception("Saved-search digest %s failed", saved_search_id)
    return DigestRun(checked=len(candidate_ids), sent=sent)


@transaction.atomic
def _send_one_digest(*, saved_search_id: int, now: datetime) -> bool:
    saved_search = (
        SavedSearch.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("user")
        .filter(pk=saved_search_id, email_digest=True)
        .first()
    )
    if saved_search is None or not _digest_due(saved_search, now):
        return False  # taken by a parallel run, switched off, or already sent
    user = saved_search.user
    if not permissions.is_member(user):
        return False
    since = saved_search.last_sent_at or saved_search.created_at
    items, total = new_matches(saved_search=saved_search, since=since)
    if not total:
        return False
    context = {
        "user": user,
        "saved_search": saved_search,
        "items": items,
        "total": total,
        "more": total - len(items),
        "search_url": settings.SITE_URL + search_url(saved_search),
        "library_url": settings.SITE_URL
        + reverse("resources:saved_search_edit", kwargs={"pk": saved_search.pk}),
        "SITE_URL": settings.SITE_URL,
        "SITE_NAME": settings.SITE_NAME,
    }
    subject = ngettext(
        "%(count)d new resource for your saved search “%(name)s”",
        "%(count)d new resources for your saved search “%(name)s”",
        total,
    ) % {"count": total, "name": saved_search.name}
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=render_to_string("resources/email/saved_search_digest.txt", context),
        to=[user.email],
    )
    message.send()  # queued by the task-queue mail backend and delivered after this transaction commits
    SavedSearch.objects.filter(pk=saved_search.pk).update(last_sent_at=now)
    return True
