#!/usr/bin/env python
"""Search benchmark (issue 3, Performance).

    .venv/bin/python bench/search.py                 # 100,000 resources (generated once, reused afterwards)
    .venv/bin/python bench/search.py --count 10000   # a quicker run
    .venv/bin/python bench/search.py --regenerate    # rebuild the corpus even if one of the right size exists

What it does:
1. Creates its own database, `bench_search`, on the same PostgreSQL server as the hub (the embedded one under var/
   unless DATABASE_URL is set) and migrates it. It never touches the `hub` database or a test database.
2. Generates the corpus with set-based SQL: --count resources (default 100,000) with about 2 KB of extracted text
   each in the vocabulary of local government, topics, provinces, languages, tags, organisations and years, then
   computes every search vector with the hub's own code (`manage.py rebuild_search_index`).
3. Starts a production-like server on a free loopback port (gunicorn, DJANGO_DEBUG=0, 2 workers) and sends a fixed
   mix of 200 searches through the full /resources/ page: single words, phrases, OR, exclusions, facet filters,
   typos with no match ("did you mean"), browsing with each sort order.
4. Prints p50/p95/p99 latency and the SQL queries per page (counted in-process with the same requests), and the
   same figures for a naive `icontains` search page (a bench-only view) as a baseline.
5. Measures how much the resident memory of a web worker grows while it receives a 200 MB upload at
   /resources/new/ (skipped, and said so, when that page is not there).

Goals at 100,000 resources on a 2-core machine: p95 <= 50 ms including facet counts; <= 10 SQL queries per page.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
DATABASE_NAME = "bench_search"
GOAL_P95_MS = 50.0
GOAL_QUERIES = 10


def log(message: str) -> None:
    print(message, flush=True)


# --- Database ------------------------------------------------------------------------------------------------


def server_connection() -> dict[str, str]:
    """Connection keys of the PostgreSQL server to use: DATABASE_URL's, or the embedded server's (started if
    needed)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        import dj_database_url

        parsed = dj_database_url.parse(url)
        return {key: str(parsed.get(key) or "") for key in ("USER", "PASSWORD", "HOST", "PORT")}
    from hub.embedded_db import embedded_database_settings

    var_dir = Path(os.environ.get("HUB_VAR_DIR", ROOT / "var"))
    settings = embedded_database_settings(var_dir)
    return {key: settings[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}


def database_url(server: dict[str, str], name: str) -> str:
    user = urllib.parse.quote(server["USER"], safe="")
    password = (":" + urllib.parse.quote(server["PASSWORD"], safe="")) if server["PASSWORD"] else ""
    host = urllib.parse.quote(server["HOST"], safe="")
    port = f":{server['PORT']}" if server["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{name}"


def connect(server: dict[str, str], name: str, *, autocommit: bool = False):
    import psycopg

    return psycopg.connect(
        dbname=name,
        user=server["USER"],
        password=server["PASSWORD"] or None,
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        autocommit=autocommit,
    )


def ensure_database(server: dict[str, str]) -> None:
    with connect(server, "postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            log(f"Creating database {DATABASE_NAME}")
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *arguments], env=env, cwd=ROOT, check=True)


def base_env(url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_DEBUG": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def production_env(url: str, port: int) -> dict[str, str]:
    env = base_env(url)
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-" + "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "HUB_PLAIN_STATIC": "1",
            "DJANGO_SETTINGS_MODULE": "bench.searchkit.settings",
            "SITE_URL": f"http://127.0.0.1:{port}",
        }
    )
    return env


def prepare_corpus(server: dict[str, str], url: str, *, count: int, regenerate: bool) -> None:
    from bench.searchkit import corpus

    ensure_database(server)
    env = base_env(url)
    log("Migrating the benchmark database")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    with connect(server, DATABASE_NAME) as connection:
        existing = corpus.corpus_size(connection)
        if existing == count and not regenerate:
            log(f"Reusing the corpus of {existing:,} resources (--regenerate to rebuild it)")
            return
        log(f"Generating a corpus of {count:,} resources")
        corpus.generate(connection, count=count)
    log("Computing search vectors and the did-you-mean vocabulary (manage.py rebuild_search_index)")
    started = time.monotonic()
    manage(env, "rebuild_search_index", "--batch-size", "5000")
    log(f"  indexed in {time.monotonic() - started:.0f} s")
    with connect(server, DATABASE_NAME, autocommit=True) as connection:
        # Rows as a long-lived table has them: rewritten, narrow (migration 0004), statistics fresh.
        connection.execute("VACUUM FULL ANALYZE resources_resource")
        connection.execute("VACUUM ANALYZE")


# --- The search mix ---------------------------------------------------------------------------------------------

PHRASES = [
    "water conservation", "supply chain", "financial recovery plan", "public participation", "ward committees",
    "indigent register", "load shedding", "property rates", "smart meters", "informal settlements",
    "disaster risk", "spatial planning", "revenue enhancement", "credit control", "audit findings",
    "service delivery", "capital expenditure", "human settlements", "road safety", "waste removal",
]
TYPES = ["guide", "toolkit", "policy_brief", "research_report", "case_study", "template"]
TOPICS = ["water-and-sanitation", "municipal-finance-mfma", "drought-response", "local-economic-development",
          "electricity", "budgeting", "governance-and-accountability"]
LANGUAGES = ["en", "af", "zu", "xh"]
PROVINCES = ["WC", "EC", "KZN", "GP", "LIM", "NC"]


def _typo(word: str, rng: random.Random) -> str:
    position = rng.randrange(1, len(word) - 1)
    return word[:position] + rng.choice("qxzj") + word[position + 1 :] + rng.choice("qxz")


def search_mix(count: int = 200, seed: int = 2026) -> list[dict[str, str | list[str]]]:
    """A fixed mix of searches (same every run): single words from common to rare, phrases, OR, exclusions,
    facet filters (with and without words), typos that match nothing, and browsing with each sort order."""
    from bench.searchkit.vocabulary import RARE_WORDS, WORDS

    rng = random.Random(seed)
    common, middle, rare = WORDS[:40], WORDS[40:300], WORDS[300:] + RARE_WORDS
    mix: list[dict[str, str | list[str]]] = []
    for _ in range(12):
        mix.append({"q": rng.choice(common)})
    for _ in range(28):
        mix.append({"q": rng.choice(middle)})
    for _ in range(20):
        mix.append({"q": rng.choice(rare)})
    for _ in range(30):
        mix.append({"q": f'"{rng.choice(PHRASES)}"'})
    for _ in range(20):
        mix.append({"q": f"{rng.choice(middle)} OR {rng.choice(rare)}"})
    for _ in range(20):
        mix.append({"q": f"{rng.choice(middle)} -{rng.choice(common)}"})
    for number in range(40):
        search: dict[str, str | list[str]] = {}
        if number % 4:
            search["q"] = rng.choice(common + middle)
        facet = number % 5
        if facet == 0:
            search["type"] = rng.sample(TYPES, 2)
        elif facet == 1:
            search["topic"] = [rng.choice(TOPICS)]
        elif facet == 2:
            search["language"] = [rng.choice(LANGUAGES)]
        elif facet == 3:
            search["province"] = [rng.choice(PROVINCES)]
        else:
            search["year"] = [str(rng.randint(2006, 2025))]
            search["type"] = [rng.choice(TYPES)]
        mix.append(search)
    for _ in range(20):
        mix.append({"q": _typo(rng.choice(middle + rare), rng)})
    for number in range(10):
        mix.append({"sort": ["newest", "downloads", "title"][number % 3], "page": str(1 + number % 4)})
    return mix[:count]


def url_for(path: str, search: dict[str, str | list[str]]) -> str:
    return f"{path}?{urllib.parse.urlencode(search, doseq=True)}" if search else path


# --- The server -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving the hub with production settings (DEBUG off, connection pool, compiled templates)."""

    def __init__(self, url: str, *, workers: int, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = production_env(url, self.port)
        env.update(extra_env or {})
        self.process = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "bench.searchkit.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--timeout", "120", "--log-level", "warning"],
            env=env, cwd=ROOT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                fetch(self.base + "/resources/?q=warmup")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the benchmark server did not start")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def fetch(url: str, *, headers: dict[str, str] | None = None) -> bytes:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        return response.read()


def measure(base: str, path: str, mix: list[dict[str, str | list[str]]]) -> list[float]:
    for search in mix[:20]:  # warm up: connections, templates, caches
        fetch(base + url_for(path, search))
    timings = []
    for search in mix:
        started = time.perf_counter()
        fetch(base + url_for(path, search))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentiles(timings: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {"p50": statistics.median(timings), "p95": cuts[94], "p99": cuts[98], "max": max(timings)}


# --- Queries per page (in-process, same requests) --------------------------------------------------------------


def count_queries(url: str, paths: list[str], mix: list[dict[str, str | list[str]]]) -> dict[str, list[int]]:
    os.environ.update(production_env(url, 0))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts: dict[str, list[int]] = {}
    for path in paths:
        counts[path] = []
        # The baseline's count does not depend on the search (and each of its pages takes seconds): a sample.
        for search in mix if path == "/resources/" else mix[::10]:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url_for(path, search))
            if response.status_code != 200:
                raise RuntimeError(f"{url_for(path, search)} answered {response.status_code}")
            counts[path].append(len(queries.captured_queries))
        # Page sizes: the count must not grow with the page.
    from resources import selectors

    sizes = {}
    for size in (5, 20, 100):
        selectors.DEFAULT_PAGE_SIZE = size
        with CaptureQueriesContext(connection) as queries:
            client.get(url_for("/resources/", {"q": "water"}))
        sizes[size] = len(queries.captured_queries)
    counts["page sizes 5/20/100"] = list(sizes.values())
    return counts


# --- Memory during a 200 MB upload ------------------------------------------------------------------------------


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def upload_memory(url: str, *, megabytes: int = 200) -> str:
    """Upload a `megabytes` MB file to /resources/new/ as a signed-in member (one gunicorn worker) and report how
    much the worker's resident memory grew at its peak (sampled every 20 ms)."""
    import http.client
    import threading

    os.environ.update(production_env(url, 0))
    import django

    django.setup()
    from django.conf import settings as django_settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import NoReverseMatch, reverse

    from tests.factories import make_user_with_role

    try:
        path = reverse("resources:resource_create")
    except NoReverseMatch:
        return "not measured: /resources/new/ does not exist"
    email = "bench-uploader@example.org"
    from hub.models import User

    user = User.objects.filter(email=email).first() or make_user_with_role("member", email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    csrf = "b" * 32
    cookies = f"{django_settings.SESSION_COOKIE_NAME}={session.session_key}; {django_settings.CSRF_COOKIE_NAME}={csrf}"

    server = Server(url, workers=1, extra_env={"RESOURCES_MAX_UPLOAD_BYTES": str((megabytes + 50) * 1_000_000)})
    try:
        probe = urllib.request.Request(server.base + path, headers={"Cookie": cookies})
        with urllib.request.urlopen(probe, timeout=60) as response:
            if response.status != 200:
                return f"not measured: {path} answered {response.status}"
        workers = server.worker_pids()
        if len(workers) != 1:
            return "not measured: could not find the gunicorn worker"
        worker = workers[0]
        baseline = rss_kb(worker)
        peak = [baseline]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_kb(worker))
                time.sleep(0.02)

        boundary = "----benchboundary7d9a"
        fields = {
            "csrfmiddlewaretoken": csrf, "title": "Benchmark upload", "summary": "A large file for the benchmark.",
            "resource_type": "data_set", "visibility": "public", "licence": "cc-by-4.0", "languages": "en",
        }
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="large.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        )
        tail = f"\r\n--{boundary}--\r\n"
        chunk = (b"year,municipality,indicator,value\r\n" + b"2024,Khai-Ma,water losses,1234\r\n" * 2000)
        total = megabytes * 1_000_000
        length = len(head.encode()) + total + len(tail.encode())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(length))
        connection.putheader("Cookie", cookies)
        connection.endheaders()
        connection.send(head.encode())
        sent = 0
        while sent < total:
            piece = chunk[: total - sent]
            connection.send(piece)
            sent += len(piece)
        connection.send(tail.encode())
        response = connection.getresponse()
        response.read()
        time.sleep(0.2)
        done.set()
        sampler.join()
        growth_mb = (peak[0] - baseline) / 1024
        return (
            f"{growth_mb:.1f} MB peak growth of the worker's resident memory (from {baseline / 1024:.0f} MB) while "
            f"receiving a {megabytes} MB file at {path} (answer: HTTP {response.status}); goal < 30 MB"
        )
    finally:
        server.stop()


# --- Main -------------------------------------------------------------------------------------------------------


def report(name: str, timings: list[float], queries: list[int]) -> dict[str, float]:
    figures = percentiles(timings)
    log(
        f"  {name:<34} p50 {figures['p50']:6.1f} ms   p95 {figures['p95']:6.1f} ms   p99 {figures['p99']:6.1f} ms"
        f"   max {figures['max']:6.1f} ms   queries/page: max {max(queries)}, median {statistics.median(queries):g}"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="Resources in the corpus (default 100,000).")
    parser.add_argument("--regenerate", action="store_true", help="Rebuild the corpus even if it has the right size.")
    parser.add_argument("--corpus-only", action="store_true", help="Prepare the corpus and stop.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, one per core).")
    parser.add_argument("--skip-baseline", action="store_true", help="Do not measure the naive icontains page.")
    parser.add_argument("--skip-upload", action="store_true", help="Do not measure memory during a 200 MB upload.")
    arguments = parser.parse_args()

    server_info = server_connection()
    url = database_url(server_info, DATABASE_NAME)
    prepare_corpus(server_info, url, count=arguments.count, regenerate=arguments.regenerate)
    if arguments.corpus_only:
        return

    mix = search_mix()
    log(f"Running {len(mix)} searches through the full page (gunicorn, DEBUG off, {arguments.workers} workers)")
    server = Server(url, workers=arguments.workers)
    try:
        search_timings = measure(server.base, "/resources/", mix)
        naive_timings = [] if arguments.skip_baseline else measure(server.base, "/bench/naive/", mix)
    finally:
        server.stop()

    log("Counting SQL queries per page (in-process, same requests)")
    paths = ["/resources/"] + ([] if arguments.skip_baseline else ["/bench/naive/"])
    queries = count_queries(url, paths, mix)

    upload = "skipped (--skip-upload)" if arguments.skip_upload else upload_memory(url)

    log("")
    log(f"Search benchmark: {arguments.count:,} resources, {len(mix)} searches, visitor (public resources)")
    figures = report("/resources/ (full-text, facets)", search_timings, queries["/resources/"])
    if naive_timings:
        report("naive icontains baseline", naive_timings, queries["/bench/naive/"])
    log(f"  queries per page at page sizes 5/20/100: {queries['page sizes 5/20/100']}")
    log(f"  upload: {upload}")
    verdict = "met" if figures["p95"] <= GOAL_P95_MS else "NOT met"
    log(f"  goal p95 <= {GOAL_P95_MS:g} ms: {verdict}; goal <= {GOAL_QUERIES} queries/page: "
        f"{'met' if max(queries['/resources/']) <= GOAL_QUERIES else 'NOT met'}")
    slowest = sorted(zip(search_timings, mix), key=lambda pair: pair[0], reverse=True)[:5]
    log("  slowest searches: " + "; ".join(f"{url_for('', search)} {ms:.0f} ms" for ms, search in slowest))


if __name__ == "__main__":
    main()
