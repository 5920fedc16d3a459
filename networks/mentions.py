"""@mentions in forum posts: parse them, resolve them to active members of the topic's network, and mark them up.

A mention is written `@Sipho_Ndlovu` (the member's full name with spaces as underscores) or `@[Sipho Ndlovu]`.
Only ACTIVE members of the network resolve; any other name is left as plain text, so a mention of a non-member
neither notifies nor reveals that such a person exists.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from typing import Any

from django.utils.html import escape

from networks.models import Membership, Network

MAX_MENTIONS = 20
# @[Full Name] (bracketed, spaces allowed) or @Handle_With_Underscores (letters, digits, _, -, ', .)
MENTION_RE = re.compile(r"(?<![\w@])@(?:\[([^\[\]\n]{1,150})\]|([^\W_][\w'\-.]{0,149}))", re.UNICODE)


def handle_for(name: str) -> str:
    """The handle of a member's name: spaces become underscores, e.g. "Sipho Ndlovu" -> "Sipho_Ndlovu"."""
    return "_".join(name.split())


def _key(name: str) -> str:
    """A comparison key: case-folded, NFC-normalised, underscores and runs of spaces as one space."""
    text = unicodedata.normalize("NFC", name).replace("_", " ")
    return " ".join(text.split()).casefold()


def parse_mentions(text: str) -> list[str]:
    """The distinct mentioned names in `text`, in order of appearance, as comparison keys (at most MAX_MENTIONS)."""
    found: list[str] = []
    for match in MENTION_RE.finditer(text or ""):
        raw = match.group(1) or match.group(2) or ""
        # "@Dennis_Jr." may name "Dennis Jr." or be "Dennis Jr" at the end of a sentence: both are candidates
        for key in dict.fromkeys([_key(raw), _key(raw.rstrip(".-'"))]):
            if key and key not in found:
                found.append(key)
        if len(found) >= MAX_MENTIONS:
            break
    return found


def resolve_mentions(text: str, *, network: Network) -> dict[str, Any]:
    """Map each mentioned name key to the ACTIVE member of `network` it names; other names are simply absent.

    One query. If two active members share a name, the name is ambiguous and resolves to nobody.
    """
    keys = parse_mentions(text)
    if not keys:
        return {}
    memberships = (
        Membership.objects.filter(network=network, status=Membership.Status.ACTIVE, user__is_active=True)
        .select_related("user")
        .only("user__id", "user__full_name", "user__email", "user__is_active")
    )
    by_key: dict[str, list[Any]] = {}
    for membership in memberships.filter(user__full_name__iregex=r"^(" + "|".join(
        re.escape(k).replace(r"\ ", r"[\s_]+") for k in keys
    ) + r")$"):
        by_key.setdefault(_key(membership.user.full_name), []).append(membership.user)
    return {key: users[0] for key, users in by_key.items() if key in keys and len(users) == 1}


def mentioned_users(text: str, *, network: Network) -> list[Any]:
    """The active members of `network` mentioned in `text` (no one else, ever)."""
    return list(resolve_mentions(text, network=network).values())


_TAG_SPLIT = re.compile(r"(<[^>]*>)")


def render_mentions(html: str, *, network: Network) -> str:
    """Mark up resolved mentions in already-sanitised HTML as `<strong class="mention">@Name</strong>`.

    Only text outside tags and outside <code>/<pre>/<a> is touched; unresolved mentions stay as they were.
    """
    resolved = resolve_mentions(html_lib.unescape(re.sub(r"<[^>]*>", " ", html or "")), network=network)
    if not resolved:
        return html
    parts = _TAG_SPLIT.split(html)
    skip_depth = 0
    out: list[str] = []
    for part in parts:
        if part.startswith("<"):
            lowered = part.lower()
            if re.match(r"<(code|pre|a)\b", lowered):
                skip_depth += 1
            elif re.match(r"</(code|pre|a)\s*>", lowered):
                skip_depth = max(0, skip_depth - 1)
            out.append(part)
            continue
        if skip_depth or "@" not in part:
            out.append(part)
            continue
        out.append(_mark_up_text(html_lib.unescape(part), resolved))
    return "".join(out)


def _mark_up_text(text: str, resolved: dict[str, Any]) -> str:
    """`text` (plain, unescaped) as HTML, with each resolved mention marked up and everything else escaped."""
    pieces: list[str] = []
    position = 0
    for match in MENTION_RE.finditer(text):
        raw = match.group(1) or match.group(2) or ""
        stripped = raw.rstrip(".-'")
        # the whole handle first ("Dennis Jr."), then without trailing punctuation ("Dennis Jr" + ".")
        user, trailing = resolved.get(_key(raw)), ""
        if user is None and match.group(2):
            user, trailing = resolved.get(_key(stripped)), raw[len(stripped):]
        if user is None:
            continue
        pieces.append(escape(text[position:match.start()]))
        pieces.append(f'<strong class="mention">@{escape(user.full_name)}</strong>{escape(trailing)}')
        position = match.end()
    pieces.append(escape(text[position:]))
    return "".join(pieces)
