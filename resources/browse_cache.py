"""The totals and facet counts of browsing without search words (/resources/ with or without facet filters), kept
between requests.

Browsing is what most visits to the resource centre do, and without words the counts cover every visible resource
(some 75,000 of 100,000 in bench/search.py): counting them takes most of the page's time, while the page of results
itself is one indexed query. So the counts are kept for the kind of person (which visibility levels they see, which
facets they are shown) and the filters chosen, and computed again after any change that could alter them.

- Each entry is kept in the web process (the "browse" cache, memory only) beside a *generation*: a random token in
  the shared cache. Any change to a resource, its topics, provinces or municipalities, a topic or an organisation
  draws a new token (at once, and again when the change commits), so every process stops using what it kept before.
  An entry written by a request that read the database before a change committed carries an older token than the
  one drawn after the commit, and is never used.
- Entries are keyed by visibility levels, never by person: nothing counted for SALGA staff (internal items) is
  shown to anyone else.
- Entries expire after RESOURCES_BROWSE_CACHE_SECONDS even without a change (a change made straight in SQL, say).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

GENERATION_KEY = "resources:browse-generation"
ENTRY_PREFIX = "resources:browse:"


def _enabled() -> bool:
    return int(getattr(settings, "RESOURCES_BROWSE_CACHE_SECONDS", 0) or 0) > 0


def _entry_key(levels: Sequence[str], facet_names: Sequence[str], filters: Mapping[str, Sequence[str]]) -> str:
    described = json.dumps(
        [sorted(levels), sorted(facet_names), sorted((name, sorted(values)) for name, values in filters.items())],
        separators=(",", ":"),
    )
    return ENTRY_PREFIX + hashlib.sha256(described.encode()).hexdigest()


def lookup(levels: Sequence[str], facet_names: Sequence[str], filters: Mapping[str, Sequence[str]]
           ) -> tuple[str | None, Any]:
    """(the current generation, the kept summary or None). One read of the shared cache."""
    if not _enabled():
        return None, None
    generation = caches["default"].get(GENERATION_KEY)
    if generation is None:
        return None, None
    entry = caches["browse"].get(_entry_key(levels, facet_names, filters))
    if not entry or entry[0] != generation:
        return generation, None
    return generation, entry[1]


def keep(generation: str | None, levels: Sequence[str], facet_names: Sequence[str],
         filters: Mapping[str, Sequence[str]], summary: Any) -> None:
    """Keep `summary`, computed after `generation` was read (None: no generation yet, so one is drawn first; the
    summary is then kept only for requests that come after)."""
    if not _enabled():
        return
    if generation is None:
        generation = uuid.uuid4().hex
        # add(), not set(): a generation drawn meanwhile by a change must not be replaced by this one
        if not caches["default"].add(GENERATION_KEY, generation, timeout=None):
            return
    caches["browse"].set(_entry_key(levels, facet_names, filters), (generation, summary),
                         timeout=int(settings.RESOURCES_BROWSE_CACHE_SECONDS))


def forget_all(**_signal_arguments: Any) -> None:
    """Make every kept summary stale, now and again once the current transaction commits."""
    if not _enabled():
        return

    def draw() -> None:
        caches["default"].set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)

    draw()
    transaction.on_commit(draw)


def connect_signals() -> None:
    """Called from ResourcesConfig.ready(): every change that can alter a count or a facet label."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from hub.models import Organisation
    from resources.models import Resource, Topic

    for model in (Resource, Topic, Organisation):
        post_save.connect(forget_all, sender=model, dispatch_uid=f"browse-cache-save-{model.__name__}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"browse-cache-delete-{model.__name__}")
    for through in (Resource.topics.through, Resource.provinces.through, Resource.municipalities.through):
        m2m_changed.connect(forget_all, sender=through, dispatch_uid=f"browse-cache-m2m-{through.__name__}")
