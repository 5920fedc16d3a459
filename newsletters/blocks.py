"""Hub blocks: lines a publisher types into an issue's Markdown body to pull content from the hub.

    {{ resource: <slug or the resource's web address> }}   a featured resource card (title, type, summary, link)
    {{ events: 3 }}                                       the next 3 upcoming events the list's audience may see
    {{ discussions: <network-slug> 3 }}                   the latest 3 discussions of a network

A block stands alone on its line (outside fenced code). What a block may show is decided by the newsletter's
audience, never by who is composing: a public list shows only public resources and the events and discussions of
public networks; a members' list adds members-only resources; a network members' list adds its own network; a staff
list may show everything. A block that names something missing, or something the audience may not see, is an error
with its line number: the issue cannot be saved with it (and cannot be rendered, should the item change later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from newsletters.models import Audience, Newsletter

MAX_ITEMS = 10
DEFAULT_ITEMS = 3
BLOCK_KINDS = ("resource", "events", "discussions")

_BLOCK_LINE = re.compile(r"^ {0,3}\{\{(?P<inner>.*)\}\}\s*$")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")


class BlockError(ValueError):
    """A block that cannot be shown; the message names the line and says what to change."""


@dataclass(frozen=True)
class Block:
    kind: str
    argument: str
    line: int  # 1-based line in the body


@dataclass
class ResolvedBlock:
    """A block with the hub content it shows: `items` are model instances, `network` for discussions."""

    block: Block
    items: list[Any] = field(default_factory=list)
    network: Any = None

    @property
    def kind(self) -> str:
        return self.block.kind


@dataclass(frozen=True)
class ParsedBody:
    """The body with every block line replaced by a placeholder paragraph, and the blocks in order."""

    markdown: str
    blocks: list[Block]


def placeholder(index: int) -> str:
    # Letters and digits only: Markdown and the sanitiser leave it alone, and it cannot occur by accident.
    return f"NLBLOCKX{index}XNLBLOCK"


def parse_body(body: str) -> ParsedBody:
    """Find the block lines of `body` (outside fenced code) and replace each with a placeholder paragraph."""
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    blocks: list[Block] = []
    fence: str | None = None
    for number, line in enumerate(lines, start=1):
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group("fence")[0] == fence[0] and len(fence_match.group("fence")) >= len(
                fence
            ):
                fence = None
            out.append(line)
            continue
        if fence_match:
            fence = fence_match.group("fence")
            out.append(line)
            continue
        match = _BLOCK_LINE.match(line)
        if match is None:
            out.append(line)
            continue
        inner = match.group("inner").strip()
        if ":" in inner:
            kind, _sep, argument = inner.partition(":")
        else:
            kind, _sep, argument = inner.partition(" ")
        blocks.append(Block(kind=kind.strip().lower(), argument=argument.strip(), line=number))
        out.extend(["", placeholder(len(blocks) - 1), ""])
    return ParsedBody(markdown="\n".join(out), blocks=blocks)


# --- what a list's audience may see ------------------------------------------------------------------------------


def resource_visibilities(newsletter: Newsletter) -> list[str]:
    from resources.models import Resource

    allowed = [Resource.Visibility.PUBLIC]
    if newsletter.audience in (Audience.MEMBERS, Audience.NETWORK_MEMBERS, Audience.STAFF):
        allowed.append(Resource.Visibility.MEMBERS)
    if newsletter.audience == Audience.STAFF:
        allowed.append(Resource.Visibility.INTERNAL)
    return allowed


def visible_networks(newsletter: Newsletter) -> QuerySet:
    """Networks whose events and discussions every recipient of this list may read."""
    from networks.models import Network

    networks = Network.objects.active()
    if newsletter.audience == Audience.STAFF:
        return networks
    rule = Q(visibility=Network.Visibility.PUBLIC)
    if newsletter.audience == Audience.NETWORK_MEMBERS and newsletter.network_id:
        rule |= Q(pk=newsletter.network_id)
    return networks.filter(rule)


def _audience_label(newsletter: Newsletter) -> str:
    return {
        Audience.PUBLIC: _("a public list"),
        Audience.MEMBERS: _("a members' list"),
        Audience.NETWORK_MEMBERS: _("a network members' list"),
        Audience.STAFF: _("a staff list"),
    }.get(newsletter.audience, _("this list"))


def _count(block: Block, text: str) -> int:
    text = text.strip()
    if not text:
        return DEFAULT_ITEMS
    if not text.isdigit() or not 1 <= int(text) <= MAX_ITEMS:
        raise BlockError(
            _("Line %(line)d: “%(value)s” is not a number of items from 1 to %(most)d.")
            % {"line": block.line, "value": text, "most": MAX_ITEMS}
        )
    return int(text)


def _resource_slug(argument: str) -> str:
    # A pasted web address works too: take its last path segment.
    path = argument.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.rsplit("/", 1)[-1].strip()


def _resolve_resource(block: Block, newsletter: Newsletter) -> ResolvedBlock:
    from resources.models import Resource

    slug = _resource_slug(block.argument)
    if not slug:
        raise BlockError(
            _("Line %(line)d: name the resource, for example {{ resource: its-web-address }}.") % {"line": block.line}
        )
    resource = Resource.objects.published().filter(slug=slug).first()
    if resource is None:
        raise BlockError(
            _("Line %(line)d: there is no published resource with the web address “%(slug)s”.")
            % {"line": block.line, "slug": slug}
        )
    if resource.visibility not in resource_visibilities(newsletter):
        raise BlockError(
            _("Line %(line)d: “%(title)s” is %(visibility)s, and %(list)s may only feature what all its readers may "
              "see.")
            % {"line": block.line, "title": resource.title, "visibility": resource.get_visibility_display().lower(),
               "list": _audience_label(newsletter)}
        )
    return ResolvedBlock(block=block, items=[resource])


def upcoming_events(newsletter: Newsletter, count: int) -> list[Any]:
    from networks.models import Event

    return list(
        Event.objects.filter(is_published=True, is_cancelled=False)
        .filter(Q(network__isnull=True) | Q(network__in=visible_networks(newsletter)))
        .upcoming()
        .select_related("network", "province")[:count]
    )


def _resolve_events(block: Block, newsletter: Newsletter) -> ResolvedBlock:
    return ResolvedBlock(block=block, items=upcoming_events(newsletter, _count(block, block.argument)))


def _resolve_discussions(block: Block, newsletter: Newsletter) -> ResolvedBlock:
    from networks.models import ForumTopic, Network

    parts = block.argument.split()
    if not parts or len(parts) > 2:
        raise BlockError(
            _("Line %(line)d: name the network, for example {{ discussions: its-web-address 3 }}.")
            % {"line": block.line}
        )
    slug = _resource_slug(parts[0])
    count = _count(block, parts[1] if len(parts) == 2 else "")
    network = Network.objects.active().filter(slug=slug).first()
    if network is None:
        raise BlockError(
            _("Line %(line)d: there is no network with the web address “%(slug)s”.") % {"line": block.line, "slug": slug}
        )
    if not visible_networks(newsletter).filter(pk=network.pk).exists():
        raise BlockError(
            _("Line %(line)d: the discussions of “%(name)s” are for its members only, and %(list)s may only feature "
              "what all its readers may see.")
            % {"line": block.line, "name": network.name, "list": _audience_label(newsletter)}
        )
    topics = list(
        ForumTopic.objects.filter(network=network, is_deleted=False).select_related("network").order_by(
            "-last_post_at"
        )[:count]
    )
    return ResolvedBlock(block=block, items=topics, network=network)


_RESOLVERS = {"resource": _resolve_resource, "events": _resolve_events, "discussions": _resolve_discussions}


def resolve_block(block: Block, *, newsletter: Newsletter) -> ResolvedBlock:
    resolver = _RESOLVERS.get(block.kind)
    if resolver is None:
        raise BlockError(
            _("Line %(line)d: “%(kind)s” is not a block. Use {{ resource: … }}, {{ events: 3 }} or "
              "{{ discussions: network 3 }}.")
            % {"line": block.line, "kind": block.kind or "{{ }}"}
        )
    return resolver(block, newsletter)


def resolve_blocks(blocks: list[Block], *, newsletter: Newsletter) -> list[ResolvedBlock]:
    """Every block resolved, or one BlockError naming every problem (one per line)."""
    resolved: list[ResolvedBlock] = []
    problems: list[str] = []
    for block in blocks:
        try:
            resolved.append(resolve_block(block, newsletter=newsletter))
        except BlockError as error:
            problems.append(str(error))
    if problems:
        raise BlockError("\n".join(problems))
    return resolved


def block_errors(*, newsletter: Newsletter, body: str) -> list[str]:
    """The problems with the blocks of `body` for `newsletter` (empty when all are fine): for forms and services."""
    try:
        resolve_blocks(parse_body(body).blocks, newsletter=newsletter)
    except BlockError as error:
        return str(error).split("\n")
    return []
