"""Demo data for the peer learning networks: the seven networks of issue 4 with coordinators, members across
provinces, discussions with accepted answers, and past and upcoming events. Idempotent: a network that already
exists is left as it is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from hub.models import Province, User
from networks.models import Event, ForumTopic, Membership, Network, Post, Registration
from resources.markdown import render_markdown

STAFF = "staff@demo.lgkh.org.za"
OFFICIAL = "official@demo.lgkh.org.za"

NETWORKS: list[dict[str, Any]] = [
    {"name": "Municipal Managers Forum", "slug": "municipal-managers-forum", "visibility": "members",
     "join_policy": "invitation",
     "description": "Accounting officers of municipalities share how they run administrations under pressure.",
     "purpose": "A confidential space for municipal managers to compare notes on **governance, audit outcomes and "
                "turnaround plans**, and to hear from peers who have done it.",
     "coordinators": [STAFF, "kagiso.molefe@example.org"],
     "members": ["hendrik.cloete@example.org", "johan.botha@example.org"]},
    {"name": "District Learning Network", "slug": "district-learning-network", "visibility": "public",
     "join_policy": "approval",
     "description": "District and local officials working on the District Development Model together.",
     "purpose": "Learn how districts coordinate one plan with their local municipalities.",
     "coordinators": [STAFF], "members": ["mpho.mahlangu@example.org", "andile.mabaso@example.org", OFFICIAL]},
    {"name": "Mining & LG Network", "slug": "mining-lg-network", "visibility": "public", "join_policy": "approval",
     "description": "Mining towns: social and labour plans, mine closure and diversification.",
     "purpose": "Help mining municipalities plan with mines, not after them.",
     "coordinators": ["kagiso.molefe@example.org"], "members": ["lerato.moloi@example.org", "mpho.mahlangu@example.org"]},
    {"name": "SA Cities Network knowledge reference group", "slug": "sacn-knowledge-reference-group",
     "visibility": "members", "join_policy": "approval",
     "description": "Knowledge managers of the metros compare what they learn and how they share it.",
     "purpose": "Build knowledge management practice in the metros.",
     "coordinators": [STAFF], "members": ["fatima.patel@example.org", "nomvula.dlamini@example.org",
                                           "zanele.nkosi@example.org"]},
    {"name": "LED Network", "slug": "led-network", "visibility": "public", "join_policy": "open",
     "description": "Local economic development practitioners: informal trade, township economies, investment.",
     "purpose": "Share what works in local economic development, from markets to business support.",
     "coordinators": [OFFICIAL], "members": ["lerato.moloi@example.org", "vusi.shabangu@example.org",
                                              "thabo.mokoena@example.org", "member@demo.lgkh.org.za"]},
    {"name": "ICT Network", "slug": "ict-network", "visibility": "public", "join_policy": "open",
     "description": "Municipal ICT managers: systems, cyber security, mSCOA and the cloud.",
     "purpose": "Help municipal ICT units learn from each other's projects and incidents.",
     "coordinators": ["tshilidzi.netshitenzhe@example.org"], "members": ["johan.botha@example.org", OFFICIAL]},
    {"name": "LG Migration Network", "slug": "lg-migration-network", "visibility": "public", "join_policy": "approval",
     "description": "Municipalities responding to migration and urbanisation.",
     "purpose": "Plan services for people on the move, with evidence.",
     "coordinators": ["fatima.patel@example.org"], "members": ["zanele.nkosi@example.org", "thabo.mokoena@example.org"]},
]

DISCUSSIONS: dict[str, list[tuple[str, str, str, str]]] = {
    # network slug: (title, question, answer, answerer email) — the first member asks
    "led-network": [
        ("How do you formalise informal traders without pushing them out?",
         "Our council wants to register street traders in the CBD. Traders fear fees and evictions. "
         "How did you approach it?",
         "We started with a trader census done *with* the traders' associations, then zoned trading bays and "
         "waived fees for the first year. Registration went from 20% to 70% in 18 months.", OFFICIAL),
    ],
    "ict-network": [
        ("Moving billing to the cloud: what about data residency?",
         "Treasury and the AG asked us where billing data will be stored. What did you answer?",
         "Choose a provider with South African data centres, put residency in the SLA, and get the POPIA "
         "operator agreement signed before migration. The AG accepted our SLA and a backup-restore test.",
         "tshilidzi.netshitenzhe@example.org"),
    ],
    "mining-lg-network": [
        ("Aligning social and labour plans with the IDP",
         "Mines publish SLPs on their own cycle. How do you get the projects into the IDP?",
         "We run a joint IDP-SLP forum each August, before the IDP review, and ask mines to table projects there. "
         "Projects without a municipal owner for operating costs are not accepted.", "kagiso.molefe@example.org"),
    ],
    "district-learning-network": [
        ("One plan: who chairs the district technical forum?",
         "Our locals feel the district dominates. Who chairs your technical forum?",
         "We rotate the chair between the municipal managers every six months, with the district as secretariat.",
         STAFF),
    ],
}


def _user(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def _membership(network: Network, user: User, role: str) -> None:
    Membership.objects.update_or_create(
        network=network, user=user,
        defaults={"role": role, "status": Membership.Status.ACTIVE,
                  "joined_at": timezone.now() - timedelta(days=120), "approved_post_count": 50},
    )


def _post(topic: ForumTopic, author: User, body: str, when) -> Post:
    return Post.objects.create(topic=topic, author=author, body=body, body_html=render_markdown(body), created_at=when)


def seed_networks_demo(stdout: Any = None) -> list[tuple[str, str]]:
    """Create the demo networks and their content. Returns no extra log-ins (the hub's demo people are used)."""
    now = timezone.now()
    province = Province.objects.order_by("name").first()
    with transaction.atomic():
        for spec in NETWORKS:
            network, created = Network.objects.get_or_create(
                slug=spec["slug"],
                defaults={"name": spec["name"], "description": spec["description"], "purpose": spec["purpose"],
                          "purpose_html": render_markdown(spec["purpose"]), "visibility": spec["visibility"],
                          "join_policy": spec["join_policy"]},
            )
            if not created:
                continue
            coordinators = [u for u in (_user(e) for e in spec["coordinators"]) if u]
            members = [u for u in (_user(e) for e in spec["members"]) if u]
            for user in coordinators:
                _membership(network, user, Membership.Role.COORDINATOR)
            for user in members:
                _membership(network, user, Membership.Role.MEMBER)
            for index, (title, question, answer, answerer_email) in enumerate(DISCUSSIONS.get(network.slug, [])):
                asker = members[0] if members else None
                answerer = _user(answerer_email)
                if asker is None or answerer is None:
                    continue
                asked = now - timedelta(days=10 + index, hours=5)
                topic = ForumTopic.objects.create(network=network, title=title, slug=f"demo-{index}", author=asker,
                                                  created_at=asked, last_post_at=asked + timedelta(hours=3))
                _post(topic, asker, question, asked)
                reply = _post(topic, answerer, answer, asked + timedelta(hours=3))
                topic.reply_count = 1
                topic.accepted_post = reply
                topic.save(update_fields=["reply_count", "accepted_post"])
            creator = coordinators[0] if coordinators else None
            for days, label in ((-30, "Quarterly meeting"), (21, "Learning exchange")):
                starts = (now + timedelta(days=days)).replace(hour=7, minute=0, second=0, microsecond=0)
                event = Event.objects.create(
                    network=network, title=f"{network.name}: {label}", slug=f"{network.slug}-{label.lower().replace(' ', '-')}",
                    event_type="network_meeting" if days < 0 else "learning_exchange",
                    description=f"{label} of the {network.name}.", description_html=render_markdown(f"{label} of the {network.name}."),
                    starts_at=starts, ends_at=starts + timedelta(hours=6), venue="SALGA House, Pretoria",
                    province=province, capacity=40, created_by=creator,
                )
                for user in members[:2]:
                    Registration.objects.get_or_create(event=event, user=user, defaults={"status": "registered"})
            if stdout is not None:
                stdout.write(f"  network: {network.name}\n")
    return []
