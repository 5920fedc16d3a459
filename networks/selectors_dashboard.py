"""Reads for the coordinator dashboard: engagement figures and the province-by-province participation table."""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncWeek
from django.utils import timezone

from hub.models import Municipality, Province
from networks.models import ForumTopic, Membership, Network, Post


def engagement(network: Network, *, weeks: int = 8) -> dict[str, Any]:
    """Active members (posted in the last 30 days), posts per week for `weeks` weeks, and the median hours until
    a question got its first reply from someone else (questions of the last 90 days)."""
    now = timezone.now()
    posts = Post.objects.filter(topic__network=network, is_deleted=False, topic__is_deleted=False)
    active_members = (
        posts.filter(created_at__gte=now - timedelta(days=30)).values("author").distinct().count()
    )
    since = now - timedelta(weeks=weeks)
    per_week_rows = (
        posts.filter(created_at__gte=since).annotate(week=TruncWeek("created_at")).values("week")
        .annotate(n=Count("id")).order_by("week")
    )
    counts = {row["week"].date(): row["n"] for row in per_week_rows}
    start = (since - timedelta(days=since.weekday())).date()
    per_week = []
    for i in range(weeks + 1):
        day = start + timedelta(weeks=i)
        per_week.append({"week": day, "count": counts.get(day, 0)})
    max_count = max([w["count"] for w in per_week] + [1])
    for w in per_week:
        w["percent"] = round(100 * w["count"] / max_count)
    first_reply = (
        Post.objects.filter(topic=OuterRef("pk"), is_deleted=False).exclude(author=OuterRef("author"))
        .order_by("created_at").values("created_at")[:1]
    )
    questions = (
        ForumTopic.objects.filter(network=network, is_question=True, is_deleted=False,
                                  created_at__gte=now - timedelta(days=90))
        .annotate(first_reply_at=Subquery(first_reply)).filter(first_reply_at__isnull=False)
        .values_list("created_at", "first_reply_at")
    )
    hours = [(reply - asked).total_seconds() / 3600 for asked, reply in questions]
    median_hours = round(statistics.median(hours), 1) if hours else None
    return {
        "active_members": active_members,
        "member_count": network.memberships.filter(status=Membership.Status.ACTIVE).count(),
        "posts_per_week": per_week,
        "posts_total": sum(w["count"] for w in per_week),
        "median_response_hours": median_hours,
        "answered_questions": len(hours),
    }


def participation_by_province(network: Network) -> list[dict[str, Any]]:
    """For each province: the municipalities with at least one active member in the network and those without."""
    taking_part = set(
        Municipality.objects.filter(
            organisation__profiles__user__network_memberships__network=network,
            organisation__profiles__user__network_memberships__status=Membership.Status.ACTIVE,
        ).values_list("pk", flat=True)
    )
    rows: dict[int, dict[str, Any]] = {}
    for province in Province.objects.order_by("name"):
        rows[province.pk] = {"province": province, "in": [], "out": []}
    for municipality in Municipality.objects.order_by("name").only("pk", "name", "code", "province_id"):
        row = rows.get(municipality.province_id)
        if row is not None:
            row["in" if municipality.pk in taking_part else "out"].append(municipality)
    result = []
    for row in rows.values():
        total = len(row["in"]) + len(row["out"])
        row["total"] = total
        row["percent"] = round(100 * len(row["in"]) / total) if total else 0
        result.append(row)
    return result
