"""Reads for the newsletters' pages: the public index, a list's archive, the publisher dashboard and an issue's
report. Visibility always comes from the QuerySets' `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from newsletters.models import Issue, Newsletter, Subscription

LATEST_ON_INDEX = 3


def visible_newsletters(user: Any) -> QuerySet[Newsletter]:
    """Active lists the person may see, each with `latest_issues` (its newest sent issues)."""
    latest = Issue.objects.archived().order_by("-sent_at", "-pk")[:LATEST_ON_INDEX]
    return (
        Newsletter.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("network")
        .prefetch_related(Prefetch("issues", queryset=latest, to_attr="latest_issues"))
        .order_by("name")
    )


def archive_issues(*, user: Any, newsletter: Newsletter) -> QuerySet[Issue]:
    """The sent issues of `newsletter` the person may read, newest first."""
    return Issue.objects.visible_to(user).archived().filter(newsletter=newsletter).order_by("-sent_at", "-pk")


def visible_newsletter(*, user: Any, slug: str) -> Newsletter | None:
    return Newsletter.objects.visible_to(user).filter(slug=slug).select_related("network").first()


@dataclass(frozen=True)
class Dashboard:
    newsletters: list[Newsletter]
    drafts: list[Issue]
    scheduled: list[Issue]
    in_progress: list[Issue]  # sending or paused
    recently_sent: list[Issue]
    counts: dict[str, int]


RECENT = 10


def publisher_dashboard() -> Dashboard:
    """Every list with its subscriber count, and issues grouped by state (drafts, scheduled, sending or paused, the
    last few sent)."""
    newsletters = list(
        Newsletter.objects.select_related("network")
        .annotate(
            subscriber_total=Count("subscriptions", filter=Q(subscriptions__status=Subscription.Status.SUBSCRIBED)),
        )
        .order_by("-is_active", "name")
    )
    issues = Issue.objects.select_related("newsletter", "created_by")
    counts = dict(Issue.objects.values_list("status").annotate(total=Count("pk")).order_by())
    return Dashboard(
        newsletters=newsletters,
        drafts=list(issues.filter(status=Issue.Status.DRAFT).order_by("-updated_at")),
        scheduled=list(issues.filter(status=Issue.Status.SCHEDULED).order_by("scheduled_at")),
        in_progress=list(
            issues.filter(status__in=[Issue.Status.SENDING, Issue.Status.PAUSED]).order_by("send_started_at")
        ),
        recently_sent=list(issues.filter(status=Issue.Status.SENT).order_by("-sent_at")[:RECENT]),
        counts={status: counts.get(status, 0) for status in Issue.Status.values},
    )


def newsletter_issues(newsletter: Newsletter) -> QuerySet[Issue]:
    return Issue.objects.filter(newsletter=newsletter).select_related("created_by").order_by("-created_at")


@dataclass(frozen=True)
class Report:
    """An issue's outcome. Rates are fractions of the messages sent."""

    progress: Any  # newsletters.services.dispatch.Progress
    complaint_rate: float
    bounce_rate: float
    unsubscribe_rate: float
    complaint_warning: bool

    @property
    def complaint_percent(self) -> str:
        return f"{self.complaint_rate * 100:.2f}"

    @property
    def bounce_percent(self) -> str:
        return f"{self.bounce_rate * 100:.2f}"

    @property
    def unsubscribe_percent(self) -> str:
        return f"{self.unsubscribe_rate * 100:.2f}"


def issue_report(*, issue: Issue, progress: Any) -> Report:
    """Rates from the dispatcher's figures; a warning when complaints pass NEWSLETTER_COMPLAINT_WARNING_RATE (0.1%:
    the large mailbox providers' ceiling for bulk senders)."""
    sent = max(progress.sent, 0)

    def rate(count: int) -> float:
        return count / sent if sent else 0.0

    complaint_rate = rate(progress.complained)
    return Report(
        progress=progress,
        complaint_rate=complaint_rate,
        bounce_rate=rate(progress.bounced),
        unsubscribe_rate=rate(progress.unsubscribed),
        complaint_warning=complaint_rate > settings.NEWSLETTER_COMPLAINT_WARNING_RATE,
    )


def describe_audience(filters: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """An audience filter in words, for the issue page: [("Provinces", ["Gauteng", ...]), ...]; empty for everyone."""
    from django.utils.translation import gettext as _

    from hub.models import Function, Language, Municipality, Province
    from networks.models import Network
    from newsletters.services.audience import clean_filter

    filters = clean_filter(filters)
    described: list[tuple[str, list[str]]] = []
    by_id = {
        "provinces": (_("Provinces"), Province),
        "municipalities": (_("Municipalities"), Municipality),
        "networks": (_("Members of networks"), Network),
    }
    by_choice = {
        "categories": (_("Municipality categories"), dict(Municipality.Category.choices)),
        "functions": (_("Functions"), dict(Function.choices)),
        "languages": (_("Languages"), dict(Language.choices)),
    }
    for key in ("provinces", "categories", "municipalities", "functions", "networks", "languages"):
        if key not in filters:
            continue
        if key in by_id:
            label, model = by_id[key]
            names = [str(item) for item in model.objects.filter(pk__in=filters[key]).order_by("name")]
        else:
            label, choices = by_choice[key]
            names = [str(choices.get(value, value)) for value in filters[key]]
        described.append((label, names))
    return described
