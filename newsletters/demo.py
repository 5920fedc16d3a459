"""Demo data for the newsletters (run by `manage.py seed_demo` after the hub's, the resource centre's and the
networks' demos, whose people, resources and events it uses).

- "Knowledge Hub update", the public list: a few hundred demo subscribers across all nine provinces and most
  municipalities, added through the real CSV import (newsletters.services.subscriber_csv.import_subscribers), each
  with its stated consent basis and date, so each has a consent record of method "import"; the demo member and the
  demo official also subscribed with one click (method "member").
- Two SENT issues in its archive, rendered by the real renderer and sent by the real dispatcher (start_send and the
  worker task) to Django's in-memory mail backend, so nothing leaves the machine and every delivery row is real.
  Between the two sends a few readers left through the first issue's unsubscribe link and one address bounced
  (through the subscription services), so the first issue's report counts them and the second issue skips them.
  The sends are then dated back to their edition dates (the date the email itself shows), so the archive reads as
  a history; the figures are what the dispatcher recorded.
- One DRAFT issue featuring demo resources, the upcoming demo events and a network's latest discussions with the
  hub blocks.
- "Members' bulletin" (members) and "SALGA staff news" (staff), small, with demo people subscribed with one click.

Every subscriber address is at demo.lgkh.org.za, a demo domain, or is one of the hub demo's fictional people.
Idempotent: a list that already exists is left exactly as it is.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from hub.models import Function, Language, Municipality, User
from newsletters.models import Audience, Delivery, Issue, Newsletter, Subscription

DEMO_DOMAIN = "demo.lgkh.org.za"
PUBLISHER = "publisher@demo.lgkh.org.za"
SUBSCRIBER_COUNT = 320
PUBLIC_SLUG = "knowledge-hub-update"
MEMBERS_SLUG = "members-bulletin"
STAFF_SLUG = "salga-staff-news"

FIRST_NAMES = [
    "Thandiwe", "Sipho", "Lindiwe", "Pieter", "Naledi", "Ayanda", "Nomvula", "Johan", "Kagiso", "Mpho",
    "Tshilidzi", "Zanele", "Thabo", "Lerato", "Andile", "Fatima", "Vusi", "Hendrik", "Nhlanhla", "Rirhandzu",
    "Ashwin", "Boitumelo", "Ayesha", "Sibusiso", "Palesa", "Mandla", "Anele", "Karabo", "Refilwe", "Bongani",
    "Nokuthula", "Themba", "Marietjie", "Lwazi", "Zodwa", "Tumelo", "Dineo", "Xolani", "Rudzani", "Shireen",
]
SURNAMES = [
    "Mokoena", "Ndlovu", "Khumalo", "van der Merwe", "Sithole", "Mthembu", "Dlamini", "Botha", "Molefe", "Mahlangu",
    "Netshitenzhe", "Nkosi", "Moloi", "Mabaso", "Patel", "Shabangu", "Cloete", "Zungu", "Baloyi", "Naidoo",
    "Kgosi", "Jacobs", "Zulu", "Nel", "Mkhize", "Radebe", "Pillay", "Maluleke", "Sebola", "Fourie",
    "Ntuli", "Masondo", "le Roux", "Mabuza", "Tshabalala", "Ramaphosa", "Mokgatle", "Williams", "Hlongwane", "Adams",
]
# Most readers prefer English; the rest are spread over the other official languages.
LANGUAGES = ["en", "en", "en", "en", "en", "af", "zu", "xh", "nso", "tn", "st", "ts", "ve", "ss", "nr"]
CONSENT_BASES = [
    "Demo: ticked 'Send me the Knowledge Hub update' on the SALGA Knowledge Week 2026 registration form",
    "Demo: asked to be added on the attendance register of a SALGA provincial members' assembly",
    "Demo: subscribed on the previous LGKH website's opt-in form, and confirmed by email",
    "Demo: asked by email to receive the newsletter, after a SALGA learning exchange",
]

PUBLIC_LIST = {
    "name": "Knowledge Hub update",
    "slug": PUBLIC_SLUG,
    "description": "New guides, case studies and tools from municipalities across South Africa, and the events "
                   "where you can learn from your peers. Once a month.",
    "audience": Audience.PUBLIC,
    "sender_name": "SALGA Knowledge Hub",
    "sender_email": "newsletter@lgkh.salga.org.za",
    "reply_to": "knowledge@salga.org.za",
}
MEMBERS_LIST = {
    "name": "Members' bulletin",
    "slug": MEMBERS_SLUG,
    "description": "For signed-in members: new members-only research, network news and invitations to closed "
                   "learning sessions. Every two months.",
    "audience": Audience.MEMBERS,
    "sender_name": "SALGA Knowledge Hub",
    "sender_email": "members@lgkh.salga.org.za",
    "reply_to": "knowledge@salga.org.za",
}
STAFF_LIST = {
    "name": "SALGA staff news",
    "slug": STAFF_SLUG,
    "description": "Internal news for SALGA staff: internal research, knowledge management practice and what the "
                   "provincial offices are working on.",
    "audience": Audience.STAFF,
    "sender_name": "SALGA Knowledge Management",
    "sender_email": "km@lgkh.salga.org.za",
    "reply_to": "",
}
MEMBER_SUBSCRIBERS = ["member@demo.lgkh.org.za", "official@demo.lgkh.org.za"]
MEMBERS_LIST_SUBSCRIBERS = [
    "member@demo.lgkh.org.za", "official@demo.lgkh.org.za", "nomvula.dlamini@example.org", "johan.botha@example.org",
    "kagiso.molefe@example.org", "mpho.mahlangu@example.org", "zanele.nkosi@example.org", "lerato.moloi@example.org",
]
STAFF_LIST_SUBSCRIBERS = [
    "staff@demo.lgkh.org.za", "reviewer@demo.lgkh.org.za", "publisher@demo.lgkh.org.za", "admin@demo.lgkh.org.za",
]


@dataclass(frozen=True)
class DemoIssue:
    subject: str
    preheader: str
    body: str
    days_ago: int  # the edition date; 0 for the draft


SENT_ISSUES = [
    DemoIssue(
        subject="Water and revenue: what is working",
        preheader="A non-revenue water toolkit, uMhlathuze's data clean-up and George's clean audit",
        days_ago=61,
        body=(
            "## Welcome to the Knowledge Hub update\n\n"
            "Every month we bring you practical guides, case studies and tools from municipalities across South "
            "Africa. This edition is about **water losses and revenue**: where most municipalities lose money "
            "before it is ever billed.\n\n"
            "{{ resource: non-revenue-water-reduction-toolkit }}\n\n"
            "{{ resource: case-study-umhlathuze-revenue-data-cleansing }}\n\n"
            "## A clean audit, step by step\n\n"
            "George Municipality's finance team explains what it changed, year by year, to reach a clean audit.\n\n"
            "{{ resource: clean-audit-journey-george }}\n\n"
            "Have a practice worth sharing? Reply to this email and tell us about it.\n"
        ),
    ),
    DemoIssue(
        subject="Councils and communities: participation that counts",
        preheader="The ward committee handbook, the IDP participation guide and climate adaptation",
        days_ago=30,
        body=(
            "## Participation that counts\n\n"
            "Ward committees and IDP meetings are where residents meet their municipality. Two guides help you "
            "make them worth attending.\n\n"
            "{{ resource: ward-committee-handbook }}\n\n"
            "{{ resource: idp-public-participation-guide }}\n\n"
            "## Planning for a hotter, wetter future\n\n"
            "{{ resource: climate-change-adaptation-toolkit }}\n\n"
            "Thank you for reading. Forward this email to a colleague who should receive it: they can subscribe "
            "on the Knowledge Hub.\n"
        ),
    ),
]
DRAFT_ISSUE = DemoIssue(
    subject="Budget season: funded budgets and upcoming learning events",
    preheader="MFMA Circular 129 explained, a funding assessment template, and where to meet your peers",
    days_ago=0,
    body=(
        "## Budget season\n\n"
        "The 2026/27 budget circular is out. Two tools help your budget steering committee table a **funded** "
        "budget.\n\n"
        "{{ resource: mfma-circular-129-explained-budgeting-2026-27 }}\n\n"
        "{{ resource: budget-funding-assessment-template }}\n\n"
        "Budgets are easier with peers who have done it before. Meet them at a learning exchange, or ask in a "
        "network's forum.\n\n"
        "{{ events: 3 }}\n\n"
        "{{ discussions: led-network 2 }}\n"
    ),
)
UNSUBSCRIBED_BY_FIRST_ISSUE = 4


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(character for character in folded.lower() if character.isalnum())


def demo_people() -> list[dict[str, str]]:
    """SUBSCRIBER_COUNT distinct demo people: a name, an address at the demo domain, a municipality (spread over all
    of them, so every province is covered), a function, a language, and a consent basis and date."""
    municipalities = list(Municipality.objects.order_by("code").values_list("code", flat=True))
    functions = [value for value in Function.values if value != Function.SALGA_STAFF]
    today = timezone.localdate()
    people = []
    for number in range(SUBSCRIBER_COUNT):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        last = SURNAMES[(number % len(FIRST_NAMES) + number // len(FIRST_NAMES)) % len(SURNAMES)]
        people.append({
            "email": f"{_ascii(first)}.{_ascii(last)}@{DEMO_DOMAIN}",
            "name": f"{first} {last}",
            # A step coprime with the number of municipalities reaches each of them before repeating one.
            "municipality code": municipalities[(number * 7) % len(municipalities)] if municipalities else "",
            "function": functions[number % len(functions)],
            "language": LANGUAGES[number % len(LANGUAGES)],
            "consent basis": CONSENT_BASES[number % len(CONSENT_BASES)],
            "consent date": (today - timedelta(days=90 + (number * 37) % 600)).isoformat(),
        })
    return people


def _csv(people: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    columns = ["email", "name", "municipality code", "function", "language", "consent basis", "consent date"]
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(people)
    return buffer.getvalue()


def _users(emails: list[str]) -> list[User]:
    users = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
    return [users[email] for email in emails if email in users]


def _subscribe_members(newsletter: Newsletter, emails: list[str]) -> None:
    from newsletters.services.subscriptions import subscribe_member

    for user in _users(emails):
        subscribe_member(newsletter=newsletter, user=user)


def _edition(days_ago: int) -> datetime:
    """The edition's date and time: `days_ago` days back, at 09:00 South African time."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9, 0))


# In-memory mail, no rate cap, and tasks that run as soon as they are queued: the demo's sends never leave the
# machine and never wait for (or leave work for) a task worker.
DEMO_SENDING = {
    "NEWSLETTER_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "NEWSLETTER_RATE_PER_SECOND": 0,
    "NEWSLETTER_RATE_PER_HOUR": 0,
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                          "QUEUES": ["default", "email", "newsletters"]}},
}


def _send(issue: Issue, *, publisher: User, approver: User | None) -> None:
    """Send `issue` with the real dispatcher, then date the send back to the edition date the email shows."""
    from newsletters.permissions import approval_required
    from newsletters.services import dispatch
    from newsletters.services.issues import approve_issue

    edition = issue.send_started_at
    if approval_required() and approver is not None:
        approve_issue(issue=issue, acting_user=approver)
    dispatch.start_send(issue=issue, acting_user=publisher)
    # The send's worker tasks run when the seeding transaction commits (and then find nothing left to do): drain
    # the outbox now with a worker of our own, which marks the issue sent.
    dispatch.run_worker(issue_id=issue.pk, max_wait_seconds=0)
    finished = edition + timedelta(minutes=4)
    Issue.objects.filter(pk=issue.pk).update(
        created_at=edition - timedelta(days=3), send_started_at=edition, sent_at=finished, updated_at=finished
    )
    Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT).update(sent_at=finished)


def _readers_react(issue: Issue) -> None:
    """After the first issue: a few imported readers use its unsubscribe link, and one imported address bounces
    hard (never a demo log-in's address: that would be suppressed)."""
    from newsletters.services.subscriptions import handle_bounce, unsubscribe

    deliveries = list(
        Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT, subscriber__user__isnull=True)
        .select_related("subscription")
        .order_by("pk")
    )
    leaving = deliveries[5 : 5 + UNSUBSCRIBED_BY_FIRST_ISSUE * 40 : 40]
    for delivery in leaving:
        unsubscribe(subscription=delivery.subscription, issue_id=issue.pk)
    Subscription.objects.filter(pk__in=[delivery.subscription_id for delivery in leaving]).update(
        unsubscribed_at=issue.sent_at + timedelta(days=1)
    )
    bounced = deliveries[-1]
    handle_bounce(email=bounced.email, hard=True, message_ids=[bounced.message_id],
                  when=issue.sent_at + timedelta(minutes=10))


def _seed_public_list(publisher: User, approver: User | None, stdout: Any) -> Newsletter:
    from newsletters.services.issues import create_issue, create_newsletter
    from newsletters.services.subscriber_csv import import_subscribers

    newsletter = create_newsletter(acting_user=publisher, **PUBLIC_LIST)
    report = import_subscribers(newsletter=newsletter, text=_csv(demo_people()),
                                source_name="demo-subscribers.csv", acting_user=publisher)
    if not report.imported:
        problems = [f"row {row.number}: {'; '.join(row.errors)}" for row in report.rows if row.errors]
        raise RuntimeError("The demo subscribers could not be imported: " + " | ".join(problems[:5]))
    _subscribe_members(newsletter, MEMBER_SUBSCRIBERS)
    for number, spec in enumerate(SENT_ISSUES):
        issue = create_issue(newsletter=newsletter, acting_user=publisher, subject=spec.subject,
                             preheader=spec.preheader, body=spec.body)
        # The email shows the date its send started: the edition date.
        Issue.objects.filter(pk=issue.pk).update(send_started_at=_edition(spec.days_ago))
        issue.refresh_from_db()
        _send(issue, publisher=publisher, approver=approver)
        if number == 0:
            issue.refresh_from_db()
            _readers_react(issue)
    create_issue(newsletter=newsletter, acting_user=publisher, subject=DRAFT_ISSUE.subject,
                 preheader=DRAFT_ISSUE.preheader, body=DRAFT_ISSUE.body)
    if stdout is not None:
        subscribed = newsletter.subscriptions.subscribed().count()
        stdout.write(f"  newsletter: {newsletter.name} ({subscribed} subscribed, 2 issues sent, 1 draft)\n")
    return newsletter


def _seed_small_list(spec: dict[str, Any], emails: list[str], publisher: User, stdout: Any) -> None:
    from newsletters.services.issues import create_newsletter

    with transaction.atomic():
        newsletter = create_newsletter(acting_user=publisher, **spec)
        _subscribe_members(newsletter, emails)
    if stdout is not None:
        stdout.write(f"  newsletter: {newsletter.name} ({newsletter.subscriptions.subscribed().count()} subscribed)\n")


def seed_newsletters_demo(stdout: Any = None) -> list[tuple[str, str]]:
    """Create the demo lists, subscribers and issues (see the module docstring). Needs the hub demo's publisher;
    returns no extra log-ins (the hub's "Newsletter publisher" log-in publishes them)."""
    publisher = User.objects.filter(email=PUBLISHER).first()
    if publisher is None:
        raise RuntimeError(f"The newsletters demo needs the hub demo's publisher ({PUBLISHER}); run seed_demo.")
    # With NEWSLETTER_REQUIRE_APPROVAL on, the demo administrator approves the demo's sends.
    approver = User.objects.filter(email="admin@demo.lgkh.org.za").first()
    existing = set(Newsletter.objects.filter(slug__in=[PUBLIC_SLUG, MEMBERS_SLUG, STAFF_SLUG])
                   .values_list("slug", flat=True))
    if PUBLIC_SLUG not in existing:
        # All or nothing, so a failed seed leaves no half-made list behind for the next run to skip.
        with override_settings(**DEMO_SENDING), transaction.atomic():
            _seed_public_list(publisher, approver, stdout)
    if MEMBERS_SLUG not in existing:
        _seed_small_list(MEMBERS_LIST, MEMBERS_LIST_SUBSCRIBERS, publisher, stdout)
    if STAFF_SLUG not in existing:
        _seed_small_list(STAFF_LIST, STAFF_LIST_SUBSCRIBERS, publisher, stdout)
    return []
