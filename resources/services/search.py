"""The stored search data of resources: the weighted full-text vector and the plain text used for "did you mean".

`update_search_vector(resource_id=...)` must be called after anything that changes what a resource is found by:
its title, summary, body, tags or topics, or the text extracted from one of its files (a new latest version, a
finished extraction). Publishing services and the extraction task call it; `manage.py rebuild_search_index`
recomputes every resource.

Both fields are computed by PostgreSQL in one UPDATE, so the vector is built with exactly the text search
configuration the searches use (`hub_search`: English stemming with accents removed, created in migration 0003).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from resources.models import FileVersion, Resource, ResourceFile, Topic

# The text search configuration created in resources/migrations/0003_search_config.py.
SEARCH_CONFIG = "hub_search"

# Caps keep one huge document from making the vector (limit 1 MB) or the ranking of every search slow: the first
# pages of a document say what it is about.
BODY_TEXT_LIMIT = 50_000
FILE_TEXT_LIMIT = 60_000  # per file (its latest version)
ALL_FILES_TEXT_LIMIT = 150_000  # all of a resource's files together
# search_text feeds trigram "did you mean": the words people look for (title, tags, topics, summary).
SEARCH_TEXT_LIMIT = 1_000


def _update_sql() -> str:
    resource_table = Resource._meta.db_table
    topics_table = Resource.topics.through._meta.db_table
    topic_table = Topic._meta.db_table
    file_table = ResourceFile._meta.db_table
    version_table = FileVersion._meta.db_table
    return f"""
        UPDATE {resource_table} AS r SET
            search_vector =
                setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(r.title, '')), 'A')
                || setweight(to_tsvector('{SEARCH_CONFIG}', concat_ws(' ', r.summary, extra.tag_names,
                                                                     extra.topic_names)), 'B')
                || setweight(to_tsvector('{SEARCH_CONFIG}', left(coalesce(r.body, ''), %(body_limit)s)), 'C')
                || setweight(to_tsvector('{SEARCH_CONFIG}',
                                         left(coalesce(extra.file_text, ''), %(all_files_limit)s)), 'D'),
            search_text = left(lower(unaccent(concat_ws(' ', r.title, extra.tag_names, extra.topic_names,
                                                        r.summary))), %(search_text_limit)s)
        FROM (
            SELECT
                item.id,
                (SELECT string_agg(tag.name, ' ' ORDER BY tag.name)
                   FROM taggit_taggeditem AS tagged JOIN taggit_tag AS tag ON tag.id = tagged.tag_id
                  WHERE tagged.content_type_id = %(content_type_id)s AND tagged.object_id = item.id) AS tag_names,
                (SELECT string_agg(topic.name, ' ' ORDER BY topic.name)
                   FROM {topics_table} AS link JOIN {topic_table} AS topic ON topic.id = link.topic_id
                  WHERE link.resource_id = item.id) AS topic_names,
                (SELECT string_agg(left(version.extracted_text, %(file_limit)s), ' '
                                   ORDER BY file.position, file.id)
                   FROM {file_table} AS file JOIN {version_table} AS version ON version.id = file.latest_version_id
                  WHERE file.resource_id = item.id) AS file_text
            FROM {resource_table} AS item
            WHERE item.id = ANY(%(ids)s)
        ) AS extra
        WHERE r.id = extra.id
    """


def update_search_vectors(*, resource_ids: Iterable[int]) -> int:
    """Recompute `search_vector` (weighted: A title; B summary, tags and topic names; C body; D text extracted
    from the latest version of each file, capped in length) and `search_text` (unaccented lower-case title, tags,
    topics and summary) of the given resources, in one statement. Returns the number of rows updated. Changes no
    other field (not `updated_at`, not `edit_version`), so it never conflicts with an edit in progress."""
    ids = sorted({int(resource_id) for resource_id in resource_ids})
    if not ids:
        return 0
    parameters = {
        "ids": ids,
        "content_type_id": ContentType.objects.get_for_model(Resource).pk,
        "body_limit": BODY_TEXT_LIMIT,
        "file_limit": FILE_TEXT_LIMIT,
        "all_files_limit": ALL_FILES_TEXT_LIMIT,
        "search_text_limit": SEARCH_TEXT_LIMIT,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_update_sql(), parameters)
        return cursor.rowcount


def update_search_vector(*, resource_id: int) -> None:
    """Recompute the stored search data of one resource (see update_search_vectors). Call it after changing the
    title, summary, body, tags or topics of a resource, or the extracted text of its files, and after publishing,
    unpublishing or changing its visibility (the "did you mean" vocabulary is refreshed after the commit)."""
    update_search_vectors(resource_ids=[resource_id])
    schedule_vocabulary_refresh()


VOCABULARY_REFRESHED_KEY = "resources:search-vocabulary-refreshed-at"
# Set (with cache.add, so processes agree) when a refresh is queued; cleared when a refresh starts. While it is set,
# changes queue nothing more: the queued refresh has not started yet, so it will see them.
VOCABULARY_REFRESH_PENDING_KEY = "resources:search-vocabulary-refresh-pending"
# If the queued refresh never starts (worker stopped, task lost), the mark expires and the next change queues one.
VOCABULARY_REFRESH_PENDING_SECONDS = 600


def schedule_vocabulary_refresh() -> None:
    """Refresh the "did you mean" vocabulary in the background once the current transaction commits. A seed or a
    bulk import that changes a thousand resources queues one task, not a thousand: at most one per transaction
    (the commit callback is registered once), and none while an earlier one is queued and not yet started
    (VOCABULARY_REFRESH_PENDING_KEY)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        callback is _enqueue_vocabulary_refresh for _savepoints, callback, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_enqueue_vocabulary_refresh)


def _enqueue_vocabulary_refresh() -> None:
    from django.core.cache import cache

    from resources.search_tasks import refresh_search_vocabulary_task

    if cache.add(VOCABULARY_REFRESH_PENDING_KEY, time.time(), timeout=VOCABULARY_REFRESH_PENDING_SECONDS):
        refresh_search_vocabulary_task.enqueue(requested_at=time.time())


def refresh_search_vocabulary(*, requested_at: float | None = None) -> bool:
    """Recompute the words "did you mean" suggests from (the resources_search_word materialised view: words of the
    titles, tags, topics and summaries of published resources, per visibility). Readers are not blocked.

    With `requested_at` (when a change asked for it), nothing is done if a refresh started after that moment: a
    bulk import that changes a thousand resources costs one or two refreshes, not a thousand. Returns whether it
    refreshed."""
    from django.core.cache import cache

    if requested_at is not None and (cache.get(VOCABULARY_REFRESHED_KEY) or 0) > requested_at:
        return False
    # From here on, a change that commits needs a refresh of its own: this one may read before it.
    cache.delete(VOCABULARY_REFRESH_PENDING_KEY)
    cache.set(VOCABULARY_REFRESHED_KEY, time.time(), timeout=None)
    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY resources_search_word")
    return True


def rebuild_search_index(*, batch_size: int = 500, stdout=None) -> int:
    """Recompute the search data of every resource in batches (after a change to the weighting or the text search
    configuration, or after a bulk load). Returns the number of resources updated."""
    total = 0
    last_id = 0
    while True:
        ids = list(
            Resource.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            refresh_search_vocabulary()
            return total
        total += update_search_vectors(resource_ids=ids)
        last_id = ids[-1]
        if stdout is not None:
            stdout.write(f"{total} resources indexed")
