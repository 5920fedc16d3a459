"""Shared fixtures: a user for every role, and test defaults (mail delivered in-process to Django's outbox)."""

from __future__ import annotations

import os

import factory.random
import pytest
from django.test import Client

from tests.factories import ROLE_NAMES, make_user_with_role


@pytest.fixture(autouse=True)
def _test_defaults(settings, tmp_path):
    # Deliver mail synchronously into django.core.mail.outbox; the task queue path has its own tests.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "email", "newsletters"]}}
    settings.SECURE_SSL_REDIRECT = False
    # Argon2 as in production, at test cost (tests/hashers.py); production hashes still verify.
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher", *settings.PASSWORD_HASHERS]
    # Stored files (uploads, the demo's generated documents) go to a per-test folder, never the dev var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _repeatable_fake_data(request):
    """Each test gets the same Faker names, words and dates on every run, whatever else runs before it.

    A failure then reproduces with the same data. Set TEST_SEED to any text to draw different data for the whole suite
    (worth doing now and then: a faker name like "Christopher Dennis Jr." once exposed a bug in @mentions)."""
    factory.random.reseed_random(f"{os.environ.get('TEST_SEED', '')}:{request.node.nodeid}")


@pytest.fixture
def user_for_role(db):
    """Factory fixture: user_for_role("salga_staff") -> a saved user holding exactly that role."""
    return make_user_with_role


@pytest.fixture(params=ROLE_NAMES)
def role(request) -> str:
    return request.param


@pytest.fixture
def client_for_role(db):
    """client_for_role(role) -> (client logged in as a new user with that role, or anonymous for visitor; user)."""

    def make(role: str):
        client = Client()
        user = make_user_with_role(role)
        if user is not None:
            client.force_login(user)
        return client, user

    return make


def pytest_collection_modifyitems(config, items) -> None:
    """Every transactional test must also restore the database snapshot (serialized_rollback=True).

    A transactional test empties every table when it ends. Without the snapshot, Django then re-creates content types
    and permissions with new ids, and the next test that restores the snapshot collides with them, or a process
    still caching the old ids writes rows pointing at nothing; the reference data (provinces, municipalities) is lost
    too. The failures surface in whichever unrelated test runs next, so refuse the mistake at collection."""
    offenders = []
    for item in items:
        for marker in item.iter_markers("django_db"):
            if marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
                offenders.append(item.nodeid)
                break
    if offenders:
        raise pytest.UsageError(
            "Use django_db(transaction=True, serialized_rollback=True) in: " + ", ".join(offenders[:10])
        )
