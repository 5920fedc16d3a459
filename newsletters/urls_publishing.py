"""Publishing URLs (under /newsletters/manage/) and the public archive (/newsletters/<newsletter>/<issue>/)."""

from django.urls import path  # noqa: F401

publishing_patterns: list = []
archive_patterns: list = []
