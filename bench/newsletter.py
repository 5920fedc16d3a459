#!/usr/bin/env python
"""Newsletter dispatch benchmark (issue 5, Performance).

    .venv/bin/python bench/newsletter.py                      # 50,000 subscribers (generated once, reused)
    .venv/bin/python bench/newsletter.py --subscribers 20000  # a quicker run
    .venv/bin/python bench/newsletter.py --regenerate         # rebuild the subscribers

What it does:
1. Creates its own database, `bench_newsletter`, on the hub's PostgreSQL server (never `hub` or a test database),
   migrates it, and generates --subscribers confirmed subscribers (default 50,000) with set-based SQL, on two public
   lists: one with all of them and one with the first --small (default 10,000).
2. Starts an aiosmtpd server on a free loopback port in a process of its own that only counts what it accepts
   (tests/newsletters/smtp_server.py).
3. The ceiling: a plain smtplib loop over one connection pushes --ceiling-messages of the same messages (built
   beforehand by the dispatcher's own code, untimed) into that server.
4. For each run, a fresh issue of the real renderer's email: the outbox build is timed (start_send: render, one
   INSERT ... SELECT, status), then real worker processes (`manage.py run_newsletter_worker`, DEBUG off, SMTP
   backend) drain it: one worker on the big list, two workers on the big list, one worker on the small list. The
   send rate is what the server counted between its first and last message; each worker's peak resident memory is
   its VmHWM from /proc. Every run is checked: every delivery sent, the server got exactly one message each.

Goals on a 2-core machine: outbox for 50,000 in under 10 s; two workers at least half of the ceiling; a worker
under 150 MB and flat as the list grows (the small list's worker against the big list's).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import (  # noqa: E402 - the shared database helpers
    PYTHON, base_env, connect, database_url, log, manage, production_env, server_connection,
)

DATABASE_NAME = "bench_newsletter"
DOMAIN = "bench-newsletter.example"
SITE_URL = "https://hub.example.org"
GOAL_OUTBOX_SECONDS = 10.0
GOAL_SHARE_OF_CEILING = 0.5
GOAL_WORKER_MB = 150.0

BODY = """## This month on the Knowledge Hub

Municipalities across the country shared **new guides** on revenue enhancement, water conservation and disaster
risk management. Read how the [Drakenstein team](https://example.org/drakenstein) cut non-revenue water by a fifth.

- A toolkit for ward committees: running public participation meetings that people attend
- The updated indigent register template, with the data fields National Treasury asks for
- A case study on smart prepaid meters from a category B municipality

## Upcoming events

The peer learning network on municipal finance meets online on the first Tuesday of the month. Bring your
adjustments budget questions; the MFMA specialists answer them live.

## From the forum

*How do we reduce non-revenue water?* has 40 replies with practical advice from engineers in six provinces.
"""


def ensure_database(server: dict[str, str]) -> None:
    with connect(server, "postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone():
            log(f"Creating database {DATABASE_NAME}")
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def worker_env(url: str, smtp_port: int) -> dict[str, str]:
    env = production_env(url, 0)
    env.update({
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "SITE_URL": SITE_URL,
        "NEWSLETTER_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "NEWSLETTER_RATE_PER_SECOND": "0",
        "NEWSLETTER_RATE_PER_HOUR": "0",
    })
    return env


def _django(url: str) -> None:
    env = production_env(url, 0)
    env.update({"DJANGO_SETTINGS_MODULE": "hub.settings", "SITE_URL": SITE_URL})
    os.environ.update(env)
    import django

    django.setup()


# --- Data -------------------------------------------------------------------------------------------------------


def generate(*, subscribers: int, small: int, regenerate: bool) -> tuple[int, int]:
    """The subscribers and the two lists (set-based SQL); returns the two newsletters' ids."""
    from django.db import connection, transaction

    from newsletters.models import Newsletter, Subscriber, Subscription

    big, _ = Newsletter.objects.get_or_create(
        slug="bench-newsletter-big",
        defaults={"name": "Benchmark newsletter (all)", "description": "Benchmark list.",
                  "sender_name": "SALGA Knowledge Hub", "sender_email": "newsletter@salga.org.za",
                  "reply_to": "info@salga.org.za"},
    )
    little, _ = Newsletter.objects.get_or_create(
        slug="bench-newsletter-small",
        defaults={"name": "Benchmark newsletter (small)", "description": "Benchmark list.",
                  "sender_name": "SALGA Knowledge Hub", "sender_email": "newsletter@salga.org.za",
                  "reply_to": "info@salga.org.za"},
    )
    have = Subscription.objects.filter(newsletter=big, status="subscribed").count()
    have_small = Subscription.objects.filter(newsletter=little, status="subscribed").count()
    if have == subscribers and have_small == small and not regenerate:
        log(f"Reusing {have:,} subscribers (--regenerate to rebuild)")
        return big.pk, little.pk
    log(f"Generating {subscribers:,} subscribers")
    with transaction.atomic(), connection.cursor() as cursor:
        _drop_issues(cursor)
        cursor.execute("DELETE FROM newsletters_subscription WHERE newsletter_id IN (%s, %s)", [big.pk, little.pk])
        cursor.execute("DELETE FROM newsletters_subscriber WHERE email LIKE %s", [f"%@{DOMAIN}"])
        cursor.execute(
            """
            INSERT INTO newsletters_subscriber (email, name, secret, function, language, soft_bounce_count, created_at)
            SELECT 'reader' || g || '@' || %s, 'Reader ' || g, md5(g::text || random()::text), '', %s, 0, now()
            FROM generate_series(1, %s) AS g
            """,
            [DOMAIN, Subscriber._meta.get_field("language").default, subscribers],
        )
        for newsletter, count in ((big, subscribers), (little, small)):
            cursor.execute(
                """
                INSERT INTO newsletters_subscription (subscriber_id, newsletter_id, status, created_at, subscribed_at)
                SELECT id, %s, 'subscribed', now(), now() FROM newsletters_subscriber
                WHERE email LIKE %s ORDER BY id LIMIT %s
                """,
                [newsletter.pk, f"%@{DOMAIN}", count],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE newsletters_subscriber")
        cursor.execute("ANALYZE newsletters_subscription")
    return big.pk, little.pk


def _drop_issues(cursor) -> None:
    """Earlier runs' issues and their deliveries (deliveries first, in SQL: 100,000s of rows)."""
    cursor.execute(
        "DELETE FROM newsletters_delivery WHERE issue_id IN (SELECT i.id FROM newsletters_issue i "
        "JOIN newsletters_newsletter n ON n.id = i.newsletter_id WHERE n.slug LIKE 'bench-newsletter-%%')"
    )
    cursor.execute(
        "DELETE FROM newsletters_issue WHERE newsletter_id IN "
        "(SELECT id FROM newsletters_newsletter WHERE slug LIKE 'bench-newsletter-%%')"
    )


def clean(connection) -> None:
    """Drop earlier runs' issues and vacuum, so each run starts from the same table."""
    with connection.cursor() as cursor:
        _drop_issues(cursor)
        cursor.execute("VACUUM ANALYZE newsletters_delivery")


def new_issue(newsletter_id: int, label: str):
    from newsletters.models import Issue

    return Issue.objects.create(
        newsletter_id=newsletter_id, subject=f"Knowledge Hub update ({label})", slug=f"bench-{label}-{time.time_ns()}",
        preheader="New guides, upcoming events and the forum's best advice", body=BODY,
    )


def build_outbox(issue) -> tuple[float, int]:
    """start_send timed (rendering, the INSERT ... SELECT, the status change); workers are not enqueued."""
    from django.test.utils import override_settings

    from newsletters.services.dispatch import start_send

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                              "QUEUES": ["default", "email", "newsletters"]}}):
        started = time.perf_counter()
        count = start_send(issue=issue, acting_user=None)
        return time.perf_counter() - started, count


# --- Measuring --------------------------------------------------------------------------------------------------


def vm_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def run_workers(*, issue_id: int, workers: int, expected: int, env: dict[str, str], counter) -> dict:
    """Start `workers` worker processes on the issue and watch: the server's count (first and last message), and
    each process's peak RSS (VmHWM) and its RSS at a quarter, half and three quarters of the way."""
    baseline = counter.value
    processes = [
        subprocess.Popen([PYTHON, str(ROOT / "manage.py"), "run_newsletter_worker", "--issue", str(issue_id)],
                         env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    peaks = [0] * workers
    along: list[list[int]] = [[] for _ in range(workers)]
    marks = [expected // 4, expected // 2, expected * 3 // 4]
    first = last = None
    started = time.perf_counter()
    while any(p.poll() is None for p in processes):
        done = counter.value - baseline
        now = time.perf_counter()
        if first is None and done > 0:
            first = now
        if last is None and done >= expected:
            last = now
        for n, process in enumerate(processes):
            if process.poll() is None:
                peaks[n] = max(peaks[n], vm_kb(process.pid, "VmHWM"))
                if marks and len(along[n]) < 3 and done >= marks[len(along[n])]:
                    along[n].append(vm_kb(process.pid, "VmRSS"))
        time.sleep(0.02)
    wall = time.perf_counter() - started
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed ({process.returncode}): {err[-2000:]}")
    done = counter.value - baseline
    if last is None:
        last = time.perf_counter()
    span = max(1e-6, last - (first or started))
    return {"received": done, "rate": (done - 1) / span if done > 1 else 0.0, "span": span, "wall": wall,
            "peak_mb": [kb / 1024 for kb in peaks], "along_mb": [[kb / 1024 for kb in rss] for rss in along]}


def check(issue_id: int, expected: int, received: int) -> str:
    from django.db.models import Count

    from newsletters.models import Delivery, Issue

    statuses = dict(Delivery.objects.filter(issue_id=issue_id).values_list("status").annotate(n=Count("id")))
    issue = Issue.objects.get(pk=issue_id)
    ok = statuses == {"sent": expected} and received == expected and issue.status == "sent"
    duplicates = Delivery.objects.filter(issue_id=issue_id, possible_duplicate=True).count()
    return (f"{'ok' if ok else 'NOT OK'}: {statuses}, server received {received:,}, possible duplicates "
            f"{duplicates}, issue {issue.status}")


def prepare_ceiling(*, newsletter_id: int, messages: int) -> list[tuple[str, list[str], bytes]]:
    """The messages for the ceiling, built beforehand by the dispatcher's own code (so untimed)."""
    from newsletters.messages import FrozenIssue, build_message
    from newsletters.models import Issue, Subscription
    from newsletters.rendering import render_issue

    issue = new_issue(newsletter_id, "ceiling")
    html, text = render_issue(issue=issue)
    frozen = FrozenIssue.of(issue, html_body=html, text_body=text)
    subscriptions = Subscription.objects.filter(newsletter_id=newsletter_id).select_related("subscriber")[:messages]
    prepared = []
    for n, subscription in enumerate(subscriptions):
        message = build_message(frozen=frozen, delivery_id=n + 1, email=subscription.subscriber.email,
                                subscription=subscription)
        prepared.append((message.from_email, message.to, message.message().as_bytes(linesep="\r\n")))
    Issue.objects.filter(pk=issue.pk).delete()
    size = sum(len(raw) for _, _, raw in prepared) / len(prepared)
    log(f"  {len(prepared):,} messages of {size / 1024:.1f} KB on average prepared")
    return prepared


def ceiling(prepared: list[tuple[str, list[str], bytes]], *, port: int, counter) -> float:
    """A plain smtplib loop over one connection pushing the prepared messages into the server: messages/s."""
    baseline = counter.value
    client = smtplib.SMTP("127.0.0.1", port, local_hostname="localhost")
    started = time.perf_counter()
    for from_email, to, raw in prepared:
        client.sendmail(from_email, to, raw)
    elapsed = time.perf_counter() - started
    client.quit()
    if counter.value - baseline != len(prepared):
        raise RuntimeError("the server did not count every ceiling message")
    return len(prepared) / elapsed


def start_counting_server():
    from tests.newsletters.smtp_server import serve_counting

    context = multiprocessing.get_context("spawn")
    port, counter, stop = context.Value("i", 0), context.Value("q", 0), context.Event()
    process = context.Process(target=serve_counting, args=(port, counter, stop), daemon=True)
    process.start()
    deadline = time.monotonic() + 30
    while port.value == 0:
        if time.monotonic() > deadline or not process.is_alive():
            raise RuntimeError("the SMTP server did not start")
        time.sleep(0.05)
    return process, port.value, counter, stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=10_000, help="the small list, for the memory comparison")
    parser.add_argument("--ceiling-messages", type=int, default=10_000)
    parser.add_argument("--regenerate", action="store_true")
    arguments = parser.parse_args()
    small = min(arguments.small, arguments.subscribers)

    server_info = server_connection()
    url = database_url(server_info, DATABASE_NAME)
    ensure_database(server_info)
    log("Migrating the benchmark database")
    manage(base_env(url), "migrate", "--noinput", "-v", "0")
    _django(url)
    from django.db import connection

    big_id, small_id = generate(subscribers=arguments.subscribers, small=small, regenerate=arguments.regenerate)
    clean(connection)

    server, port, counter, stop = start_counting_server()
    log(f"Counting SMTP server (aiosmtpd, own process) on 127.0.0.1:{port}")
    env = worker_env(url, port)
    results = {}
    loads = [os.getloadavg()[0]]
    try:
        log(f"Ceiling: a plain smtplib loop, {arguments.ceiling_messages:,} messages over one connection, measured "
            f"again before each run (the machine may be shared)")
        prepared = prepare_ceiling(newsletter_id=big_id, messages=arguments.ceiling_messages)
        for label, newsletter_id, workers in (("one worker", big_id, 1), ("two workers", big_id, 2),
                                              ("one worker, small list", small_id, 1)):
            top = ceiling(prepared, port=port, counter=counter)
            log(f"ceiling: {top:,.0f} messages/s")
            issue = new_issue(newsletter_id, label.replace(" ", "-").replace(",", ""))
            seconds, count = build_outbox(issue)
            log(f"{label}: outbox of {count:,} deliveries built in {seconds:.2f} s; sending")
            run = run_workers(issue_id=issue.pk, workers=workers, expected=count, env=env, counter=counter)
            run.update(outbox_seconds=seconds, count=count, check=check(issue.pk, count, run["received"]),
                       ceiling=top)
            results[label] = run
            loads.append(os.getloadavg()[0])
            log(f"  {run['rate']:,.0f} messages/s ({run['span']:.1f} s first to last message, {run['wall']:.1f} s "
                f"with start-up); peak RSS {', '.join(f'{mb:.0f} MB' for mb in run['peak_mb'])}; {run['check']}")
            clean(connection)
    finally:
        stop.set()
        server.join(10)

    one, two, little = results["one worker"], results["two workers"], results["one worker, small list"]
    ceilings = [results[label]["ceiling"] for label in results]
    share = two["rate"] / two["ceiling"]
    peak_big = max(one["peak_mb"])
    peak_small = max(little["peak_mb"])
    worst = max(peak_big, peak_small, *two["peak_mb"])
    log("")
    log(f"Newsletter benchmark: {one['count']:,} subscribers (small list {little['count']:,}), counting aiosmtpd "
        f"server on loopback, real worker processes (DEBUG off, SMTP backend, batches of 200); 1-minute load "
        f"average {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores")
    log(f"  outbox build (start_send), {one['count']:,} recipients:  {one['outbox_seconds']:.2f} s and "
        f"{two['outbox_seconds']:.2f} s  (small list: {little['outbox_seconds']:.2f} s)")
    log(f"  ceiling, plain smtplib loop:                    {two['ceiling']:,.0f} messages/s before the two "
        f"workers (before each run: {', '.join(f'{c:,.0f}' for c in ceilings)})")
    log(f"  one worker:                                     {one['rate']:,.0f} messages/s")
    log(f"  two workers:                                    {two['rate']:,.0f} messages/s  "
        f"({share:.0%} of the ceiling before it, {two['rate'] / max(ceilings):.0%} of the highest)")
    log(f"  worker peak RSS (VmHWM): {little['count']:,} list {peak_small:.0f} MB; {one['count']:,} list "
        f"{peak_big:.0f} MB; two workers {', '.join(f'{mb:.0f} MB' for mb in two['peak_mb'])}")
    log(f"  worker RSS at 1/4, 1/2, 3/4 of the {one['count']:,} list: "
        f"{', '.join(f'{mb:.0f} MB' for mb in one['along_mb'][0])}")
    for label in ("one worker", "two workers", "one worker, small list"):
        log(f"  check, {label}: {results[label]['check']}")
    log(f"  goals: outbox < {GOAL_OUTBOX_SECONDS:g} s "
        f"{'met' if max(one['outbox_seconds'], two['outbox_seconds']) < GOAL_OUTBOX_SECONDS else 'NOT met'}; "
        f"two workers >= {GOAL_SHARE_OF_CEILING:.0%} of the ceiling "
        f"{'met' if share >= GOAL_SHARE_OF_CEILING else 'NOT met'}; "
        f"worker < {GOAL_WORKER_MB:g} MB {'met' if worst < GOAL_WORKER_MB else 'NOT met'}, "
        f"flat ({peak_small:.0f} MB vs {peak_big:.0f} MB) "
        f"{'met' if peak_big - peak_small < max(10.0, 0.1 * peak_small) else 'NOT met'}")


if __name__ == "__main__":
    main()
