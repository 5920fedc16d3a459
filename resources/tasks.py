"""Background tasks of the resource centre (run by `manage.py db_worker`). Thin wrappers around services."""

from __future__ import annotations

from django_tasks import task

from resources.services import files as file_services


@task()
def extract_file_text(version_id: int) -> str:
    """Extract the text of one stored file version for search; records failures on the version."""
    return file_services.extract_version_text(version_id=version_id)
