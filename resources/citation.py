"""'Cite as' for a resource: a plain-text reference, BibTeX and RIS. Values are cleaned of line breaks and, for
BibTeX, of characters that would break the entry, so a title can never inject fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from resources.models import Resource

RIS_TYPES = {
    "research_report": "RPRT",
    "journal_article": "JOUR",
    "policy_brief": "RPRT",
    "legal_brief": "RPRT",
    "data_set": "DATA",
    "recording": "VIDEO",
    "presentation": "SLIDE",
    "link": "ELEC",
}
BIBTEX_TYPES = {"research_report": "techreport", "journal_article": "article"}


def _line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass
class Citation:
    authors: list[str]
    year: str
    title: str
    kind: str
    publisher: str
    url: str

    def as_text(self) -> str:
        who = "; ".join(self.authors) if self.authors else self.publisher
        year = f" ({self.year})" if self.year else " (n.d.)"
        return f"{who}{year}. {self.title}. {self.kind}. {self.publisher}. {self.url}"


def citation_for(resource: Resource) -> Citation:
    """The citation data of a resource: its authors (accounts, then other names), or its organisation; the
    publication year (or the year it was published on the hub); SALGA's LG Knowledge Hub as publisher."""
    authors = [_line(user.display_name) for user in resource.authors.all()]
    authors += [_line(name) for name in resource.author_names.split(",") if name.strip()]
    if not authors and resource.organisation_id:
        authors = [_line(resource.organisation.name)]
    date = resource.publication_date or (resource.published_at.date() if resource.published_at else None)
    return Citation(
        authors=authors,
        year=str(date.year) if date else "",
        title=_line(resource.title),
        kind=_line(resource.get_resource_type_display()),
        publisher=f"SALGA {settings.SITE_NAME}",
        url=f"{settings.SITE_URL}{resource.get_absolute_url()}",
    )


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def _bibtex_value(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        if char == "\\":
            return r"\textbackslash{}"
        if char in "^~":
            return rf"\{char}{{}}"
        return "\\" + char

    return _BIBTEX_SPECIAL.sub(replace, _line(text))


def bibtex(resource: Resource) -> str:
    citation = citation_for(resource)
    entry_type = BIBTEX_TYPES.get(resource.resource_type, "misc")
    key = re.sub(r"[^a-z0-9]+", "", resource.slug.lower())[:40] or f"resource{resource.pk}"
    fields = [
        ("title", "{" + _bibtex_value(citation.title) + "}"),
        ("author", " and ".join("{" + _bibtex_value(author) + "}" for author in citation.authors)),
        ("year", _bibtex_value(citation.year)),
        ("publisher" if entry_type == "misc" else "institution", _bibtex_value(citation.publisher)),
        ("howpublished", r"\url{" + _bibtex_value(citation.url) + "}"),
        ("url", _bibtex_value(citation.url)),
        ("note", _bibtex_value(citation.kind)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@{entry_type}{{{key},\n{body}\n}}\n"


def ris(resource: Resource) -> str:
    citation = citation_for(resource)
    lines = [("TY", RIS_TYPES.get(resource.resource_type, "GEN")), ("TI", citation.title)]
    lines += [("AU", author) for author in citation.authors]
    if citation.year:
        lines.append(("PY", citation.year))
    if resource.publication_date:
        lines.append(("DA", resource.publication_date.strftime("%Y/%m/%d")))
    lines += [("PB", citation.publisher), ("UR", citation.url), ("AB", _line(resource.summary)), ("ER", "")]
    return "".join(f"{tag}  - {_line(value)}\r\n" for tag, value in lines)
