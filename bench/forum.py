#!/usr/bin/env python
"""Forum benchmark (issue 4, Performance).

    .venv/bin/python bench/forum.py                # 5,000 members, a topic of 5,000 replies (generated once, reused)
    .venv/bin/python bench/forum.py --regenerate   # rebuild the data

What it does:
1. Creates its own database, `bench_forum`, on the hub's PostgreSQL server (never `hub` or a test database),
   migrates it, and generates a public network of --members members (default 5,000) with a topic of --replies replies
   (default 5,000) spread over 50 authors, an accepted answer and some quotes.
2. Starts gunicorn on a free loopback port (DEBUG off, --workers workers) and sends --requests GETs of topic pages
   (first, random middle and last pages; half anonymous, half signed in) from --concurrency threads at once, then
   --posts reply POSTs one after another as a signed-in member (notification fan-out is a background task, so the
   request does not grow with the member count).
3. Prints p50/p95/p99 of both, and the SQL queries per topic page counted in-process with the same pages.

Goals: a topic page at most 12 SQL queries whatever its length; p95 <= 50 ms under load; reply POST p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import (  # noqa: E402 - the shared server and database helpers
    Server, base_env, connect, database_url, log, manage, percentiles, production_env, server_connection,
)

DATABASE_NAME = "bench_forum"
SLUG = "bench-forum-network"
GOAL_QUERIES = 12
GOAL_PAGE_P95_MS = 50.0
GOAL_POST_P95_MS = 100.0


def ensure_database(server: dict[str, str]) -> None:
    with connect(server, "postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone():
            log(f"Creating database {DATABASE_NAME}")
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _django(url: str) -> None:
    os.environ.update(production_env(url, 0))
    import django

    django.setup()


def generate(*, members: int, replies: int, regenerate: bool) -> None:
    """Users, memberships and the long topic, with bulk inserts; search vectors and counters set like the services."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.postgres.search import SearchVector
    from django.db import transaction
    from django.utils import timezone

    from hub.models import User
    from networks.models import ForumTopic, Membership, Network, Post
    from resources.markdown import render_markdown

    existing = Network.objects.filter(slug=SLUG).first()
    if existing and not regenerate:
        have_members = existing.memberships.count()
        topic = existing.topics.filter(slug="non-revenue-water").first()
        if topic:  # replies posted by an earlier run are removed
            Post.objects.filter(topic=topic, body__startswith="Benchmark reply").delete()
            ForumTopic.objects.filter(pk=topic.pk).update(reply_count=topic.posts.count() - 1)
        if have_members == members and topic and topic.posts.count() == replies + 1:
            log(f"Reusing {have_members:,} members and a topic of {replies:,} replies (--regenerate to rebuild)")
            return
    log(f"Generating {members:,} members and a topic of {replies:,} replies")
    with transaction.atomic():
        if existing:
            existing.delete()
        User.objects.filter(email__endswith="@bench-forum.example").delete()
        password = make_password("bench-forum-password-123")
        users = User.objects.bulk_create(
            [User(email=f"member{n}@bench-forum.example", full_name=f"Bench Member {n}", password=password)
             for n in range(members)], batch_size=2000)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=2000)
        network = Network.objects.create(name="Bench forum network", slug=SLUG, description="Benchmark network.")
        joined = timezone.now() - timezone.timedelta(days=90)
        Membership.objects.bulk_create(
            [Membership(network=network, user=u, status=Membership.Status.ACTIVE, joined_at=joined,
                        role=Membership.Role.COORDINATOR if n == 0 else Membership.Role.MEMBER,
                        approved_post_count=10) for n, u in enumerate(users)], batch_size=2000)
        start = timezone.now() - timezone.timedelta(days=30)
        topic = ForumTopic.objects.create(network=network, title="How do we reduce non-revenue water?",
                                          slug="non-revenue-water", author=users[1], created_at=start)
        rng = random.Random(4)
        sentences = ["Pressure management reduced our losses by a fifth.", "We replaced **old meters** first.",
                     "See the [water guide](https://example.org/guide).", "Leak detection teams in each ward helped.",
                     "Budget for it in the *adjustments budget*.", "Community reporting via WhatsApp worked well."]
        posts = [Post(topic=topic, author=users[1], body="Which interventions worked for you?",
                      body_html=render_markdown("Which interventions worked for you?"), created_at=start)]
        for n in range(replies):
            body = " ".join(rng.sample(sentences, 3)) + f" (reply {n})"
            posts.append(Post(topic=topic, author=users[2 + n % 50], body=body, body_html=render_markdown(body),
                              created_at=start + timezone.timedelta(seconds=60 * (n + 1)), helpful_count=n % 7))
        posts = Post.objects.bulk_create(posts, batch_size=2000)
        for n in range(0, len(posts), 9):
            if n > 1:
                posts[n].quoted_post = posts[n - 1]
        Post.objects.bulk_update([p for p in posts if p.quoted_post_id], ["quoted_post"], batch_size=2000)
        Post.objects.filter(topic=topic).update(search_vector=SearchVector("body", config="hub_search"))
        ForumTopic.objects.filter(pk=topic.pk).update(
            reply_count=replies, last_post_at=posts[-1].created_at, accepted_post=posts[7],
            search_vector=SearchVector("title", config="hub_search", weight="A"))


def login_cookie(email: str) -> str:
    """A session for `email` stored in the benchmark database (same secret key as the server)."""
    from django.test import Client

    from hub.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return f"sessionid={client.cookies['sessionid'].value}"


def fetch(url: str, cookie: str = "", data: bytes | None = None, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie, **(headers or {})})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 302 after a POST lands here
        return error.code, error.headers, error.read()


def query_counts(topic_path: str, pages: list[str], cookie_email: str) -> dict[str, list[int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hub.models import User

    counts: dict[str, list[int]] = {}
    for label in ("visitor", "member"):
        client = Client()
        if label == "member":
            client.force_login(User.objects.get(email=cookie_email))
            client.get(topic_path)
        counts[label] = []
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(topic_path, {"page": page})
            assert response.status_code == 200, response.status_code
            sqls = [q["sql"] for q in captured.captured_queries]
            tracking = [i for i, sql in enumerate(sqls) if "usersessions_usersession" in sql]
            own = len(sqls) - ((tracking[-1] + 2) - (tracking[0] - 1) if tracking else 0)
            counts[label].append(own)
            counts.setdefault(label + " incl. allauth session tracking", []).append(len(sqls))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--replies", type=int, default=5000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--posts", type=int, default=100)
    arguments = parser.parse_args()

    server_info = server_connection()
    url = database_url(server_info, DATABASE_NAME)
    ensure_database(server_info)
    log("Migrating the benchmark database")
    manage(base_env(url), "migrate", "--noinput", "-v", "0")
    manage(base_env(url), "createcachetable")
    _django(url)
    generate(members=arguments.members, replies=arguments.replies, regenerate=arguments.regenerate)

    from networks.models import ForumTopic

    topic = ForumTopic.objects.get(network__slug=SLUG, slug="non-revenue-water")
    topic_path = topic.get_absolute_url()
    last_page = -(-arguments.replies // 20)
    member_email = "member3@bench-forum.example"
    cookie = login_cookie(member_email)
    rng = random.Random(7)
    mix = []
    for n in range(arguments.requests):
        page = rng.choice(["1", "last", str(rng.randint(2, max(2, last_page - 1)))])
        mix.append((page, cookie if n % 2 else ""))

    log(f"Load: {len(mix)} topic-page GETs from {arguments.concurrency} threads, then {arguments.posts} reply POSTs "
        f"(gunicorn, DEBUG off, {arguments.workers} workers)")
    server = Server(url, workers=arguments.workers)
    try:
        def one(item):
            page, who = item
            started = time.perf_counter()
            status, _, _ = fetch(f"{server.base}{topic_path}?page={page}", who)
            assert status == 200, status
            return (time.perf_counter() - started) * 1000

        for item in mix[:20]:
            one(item)
        with ThreadPoolExecutor(arguments.concurrency) as pool:
            page_timings = list(pool.map(one, mix))

        post_timings = []
        for n in range(arguments.posts):
            status, headers, body = fetch(f"{server.base}{topic_path}?page=1", cookie)
            csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "") or "")
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
            all_cookies = cookie + (f"; csrftoken={csrf_cookie.group(1)}" if csrf_cookie else "")
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "body": f"Benchmark reply {n}"}).encode()
            started = time.perf_counter()
            status, _, _ = fetch(f"{server.base}{topic_path}reply/", all_cookies, data,
                                 {"Referer": f"{server.base}{topic_path}", "Content-Type": "application/x-www-form-urlencoded"})
            post_timings.append((time.perf_counter() - started) * 1000)
            assert status == 302, f"reply POST answered {status}"
    finally:
        server.stop()

    counts = query_counts(topic_path, ["1", "2", str(last_page // 2), "last"], member_email)
    pages_figures = percentiles(page_timings)
    post_figures = percentiles(post_timings)
    log("")
    log(f"Forum benchmark: {arguments.members:,} members, a topic of {arguments.replies:,} replies ({last_page} pages)")
    log("  topic page under load:  " + ", ".join(f"{k} {v:.1f} ms" for k, v in pages_figures.items()))
    log("  reply POST:             " + ", ".join(f"{k} {v:.1f} ms" for k, v in post_figures.items()))
    for label, values in counts.items():
        log(f"  SQL queries per topic page ({label}; pages 1, 2, middle, last): {values}")
    own = counts["visitor"] + counts["member"]
    log(f"  goals: <= {GOAL_QUERIES} queries/page {'met' if max(own) <= GOAL_QUERIES else 'NOT met'}; "
        f"page p95 <= {GOAL_PAGE_P95_MS:g} ms {'met' if pages_figures['p95'] <= GOAL_PAGE_P95_MS else 'NOT met'}; "
        f"reply POST p95 < {GOAL_POST_P95_MS:g} ms {'met' if post_figures['p95'] < GOAL_POST_P95_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
