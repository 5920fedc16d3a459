"""Fixtures for resource-centre tests: every test stores files in its own temporary MEDIA_ROOT (never var/media),
virus scanning is off unless a test turns it on, and passwords get a quick hash (factories set one per user)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _resource_test_defaults(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CLAMAV_URL = ""
    settings.CLAMAV_SOCKET = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.MEDIA_ROOT
