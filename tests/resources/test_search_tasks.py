"""The "did you mean" vocabulary refresh is queued once for many changes, never once per resource: a seed or a bulk
import must not flood the worker with thousands of identical tasks."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from resources import importing
from resources.search_tasks import refresh_search_vocabulary_task
from resources.services.search import (
    VOCABULARY_REFRESH_PENDING_KEY,
    refresh_search_vocabulary,
    update_search_vector,
)
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings):
    """A task backend that only records what is queued (nothing runs), emptied first."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "email"]}}
    backend = refresh_search_vocabulary_task.get_backend()
    backend.clear()
    cache.delete(VOCABULARY_REFRESH_PENDING_KEY)
    return backend


def refreshes_queued(backend) -> int:
    return sum(1 for result in backend.results if result.task.func is refresh_search_vocabulary_task.func)


def test_many_changes_in_one_transaction_queue_one_refresh(queue, django_capture_on_commit_callbacks):
    # Given thirty resources
    resources = ResourceFactory.create_batch(30)

    # When each one's search data is recomputed in one transaction (as a seed or an import does)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for resource in resources:
            update_search_vector(resource_id=resource.pk)

    # Then one commit callback was registered, and it queued one refresh
    assert len(callbacks) == 1
    assert refreshes_queued(queue) == 1


# Each change commits on its own here, as separate requests or tasks would; the tables are emptied afterwards and the
# reference data from migrations restored.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_queued_refresh_holds_off_more_until_it_starts(queue):
    # Given a change that queued a refresh the worker has not started yet
    first, second = ResourceFactory.create_batch(2)
    queue.clear()
    update_search_vector(resource_id=first.pk)
    assert refreshes_queued(queue) == 1

    # When further changes commit, each in its own transaction
    for resource in (first, second, first):
        with transaction.atomic():
            update_search_vector(resource_id=resource.pk)

    # Then nothing more is queued: the waiting refresh will read them all
    assert refreshes_queued(queue) == 1

    # And once that refresh starts, the next change queues a new one (it may have read before this change)
    queued = next(result for result in queue.results if result.task.func is refresh_search_vocabulary_task.func)
    assert refresh_search_vocabulary(**queued.kwargs) is True
    update_search_vector(resource_id=second.pk)
    assert refreshes_queued(queue) == 2


def test_a_change_rolled_back_queues_nothing_and_a_later_one_still_does(queue, django_capture_on_commit_callbacks):
    resource = ResourceFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        # Given a change whose savepoint is rolled back (its commit callback goes with it)
        with pytest.raises(RuntimeError), transaction.atomic():
            update_search_vector(resource_id=resource.pk)
            raise RuntimeError("the edit failed")
        # When the same transaction then makes a change that stays
        update_search_vector(resource_id=resource.pk)

    # Then that change still queues its refresh, once
    assert len(callbacks) == 1
    assert refreshes_queued(queue) == 1


def test_a_bulk_import_queues_one_refresh(queue, tmp_path, django_capture_on_commit_callbacks):
    # Given an archive of twelve resources
    rows = "\n".join(
        f"Guide number {number},How to keep water meters read (part {number}).,guide,public"
        for number in range(12)
    )
    path = tmp_path / "archive.csv"
    path.write_text(f"title,summary,type,visibility\n{rows}\n", encoding="utf-8")
    staff = make_user_with_role("salga_staff")
    report = importing.check_file(path, files_dir=None)
    assert report.error_count == 0

    # When it is imported
    with django_capture_on_commit_callbacks(execute=True):
        imported = importing.import_checked(report, acting_user=staff, source_name=path.name)

    # Then every resource is in, and the vocabulary refresh was queued once
    assert len(imported) == 12
    assert refreshes_queued(queue) == 1
