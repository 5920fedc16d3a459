"""Reads behind the resource centre's finding pages: search with facets and "did you mean" (/resources/ and its Atom
feed), and the detail page (one resource, its versions, related resources).

Everything starts from `Resource.objects.visible_to(user)`: results, counts, facet counts, snippets, suggestions and
related items never include (or reveal through a number or a word) a resource the person may not see.

Search runs as one SQL statement per page (total, facet counts, the page's ids, ranks and highlighted snippets), one
to load the page's resources, one to read the words of the query (when there is one) and, only when nothing
matched, two for "did you mean" — whatever the page size.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from hub.models import Language, Municipality, Organisation, Province
from hub.permissions import can_see_internal_content
from resources import browse_cache
from resources.models import FileVersion, Resource, ResourceFile, Topic, visibility_levels
from resources.services.search import SEARCH_CONFIG
from resources.text_query import text_match_sql

QUERY_MAX_LENGTH = 200
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Ranks and snippets read the start of each document: enough to show why it matched, bounded in cost.
SNIPPET_SOURCE_LIMIT = 20_000
# Private-use characters mark highlighted words in ts_headline's output; they are removed from the source text
# first, so after HTML-escaping they can only be our markers, turned into <mark> elements.
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_STOP = "\ue001"
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MaxWords=28, MinWords=12, ShortWord=2, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
SUGGESTION_MIN_SIMILARITY = 0.35
RANK_CANDIDATES = 1000
# Facet counts are exact up to this many candidates, estimated from an even sample of about this size beyond.
FACET_SAMPLE_SIZE = 2000
FACET_SHOWN = 8
SUGGESTION_MAX_TERMS = 6
# Memory for one search's intermediate results (SET LOCAL, this transaction only): the candidates (up to every
# visible resource) stay in memory instead of spilling to a temporary file, and the index scans' bitmaps stay exact
# (a lossy bitmap makes PostgreSQL recheck whole pages, the phrase index's expression included).
SEARCH_WORK_MEM = "64MB"


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    DOWNLOADS = "downloads"
    TITLE = "title"

    CHOICES = [
        (RELEVANCE, _("Most relevant")),
        (NEWEST, _("Newest")),
        (DOWNLOADS, _("Most downloaded")),
        (TITLE, _("Title (A to Z)")),
    ]
    VALUES = frozenset(value for value, _label in CHOICES)


# Facets in the order the page shows them. "visibility" only for people who may see internal items.
FACET_LABELS: dict[str, Any] = {
    "type": _("Type"),
    "topic": _("Topic"),
    "language": _("Language"),
    "province": _("Province"),
    "year": _("Year"),
    "organisation": _("Organisation"),
    "visibility": _("Visibility"),
}
# Filters that narrow the results without a facet of their own (links from municipality pages).
EXTRA_FILTERS = ("municipality",)


# --- Filter conditions (shared with resources/filters.py) -------------------------------------------------------


# Conditions on linked rows are uncorrelated `id IN (subquery)` tests: PostgreSQL runs each subquery once and
# hashes it, where a correlated EXISTS would run once per candidate row.


def _topic_condition(slugs: Sequence[str]) -> Q:
    # A theme includes its sub-topics.
    links = Resource.topics.through.objects.filter(Q(topic__slug__in=slugs) | Q(topic__parent__slug__in=slugs))
    return Q(pk__in=links.values("resource_id"))


def _province_condition(codes: Sequence[str]) -> Q:
    # Covering a province explicitly, or one of its municipalities.
    provinces = Resource.provinces.through.objects.filter(province__code__in=codes)
    municipalities = Resource.municipalities.through.objects.filter(municipality__province__code__in=codes)
    return Q(pk__in=provinces.values("resource_id")) | Q(pk__in=municipalities.values("resource_id"))


def _municipality_condition(codes: Sequence[str]) -> Q:
    links = Resource.municipalities.through.objects.filter(municipality__code__in=codes)
    return Q(pk__in=links.values("resource_id"))


def _year_condition(years: Sequence[str]) -> Q:
    numbers = [int(year) for year in years]
    return Q(publication_date__year__in=numbers) | Q(publication_date__isnull=True, published_at__year__in=numbers)


def facet_condition(name: str, values: Sequence[str]) -> Q:
    """The condition a resource meets when it has one of `values` for facet `name` (values are OR-ed within a
    facet; facets are AND-ed)."""
    if name == "type":
        return Q(resource_type__in=values)
    if name == "topic":
        return _topic_condition(values)
    if name == "language":
        return Q(languages__overlap=list(values))
    if name == "province":
        return _province_condition(values)
    if name == "year":
        return _year_condition(values)
    if name == "organisation":
        return Q(organisation_id__in=[int(value) for value in values])
    if name == "visibility":
        return Q(visibility__in=values)
    if name == "municipality":
        return _municipality_condition(values)
    raise ValueError(f"unknown facet {name!r}")


def apply_filters(queryset: QuerySet[Resource], filters: Mapping[str, Sequence[str]]) -> QuerySet[Resource]:
    for name, values in filters.items():
        if values:
            queryset = queryset.filter(facet_condition(name, values))
    return queryset


# --- Query text -------------------------------------------------------------------------------------------------


def clean_query(raw: str | None) -> str:
    """A typed query made safe to pass to websearch_to_tsquery: control characters (NUL breaks PostgreSQL) and our
    highlight markers dropped, whitespace collapsed, at most QUERY_MAX_LENGTH characters. Quotes, OR and -exclusion
    are kept: websearch_to_tsquery reads them and never fails on other punctuation."""
    if not raw:
        return ""
    text = "".join(
        " " if unicodedata.category(char)[0] == "C" else char for char in raw[: QUERY_MAX_LENGTH * 4]
    )
    return " ".join(text.split())[:QUERY_MAX_LENGTH].strip()


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def query_terms(query: str) -> list[str]:
    """The words of a query that "did you mean" may correct: lower-case, accents removed, without OR, excluded
    (-word) terms and punctuation."""
    terms = []
    for token in query.replace('"', " ").split():
        if token.startswith("-") or token.lower() == "or":
            continue
        for word in re.split(r"[^\w]+", _plain(token)):
            if len(word) >= 3 and not word.isdigit():
                terms.append(word)
    return terms[:SUGGESTION_MAX_TERMS]


# --- Search -----------------------------------------------------------------------------------------------------


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool = False
    depth: int = 0
    parent: str = ""  # a sub-topic's theme (value)
    parent_label: str = ""


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption]

    @property
    def selected_options(self) -> list[FacetOption]:
        return [option for option in self.options if option.selected]

    @property
    def shown(self) -> list[FacetOption]:
        """The options listed at once: every chosen one, then the first unchosen ones up to FACET_SHOWN."""
        return self._split()[0]

    @property
    def more(self) -> list[FacetOption]:
        """The rest, folded away under "show more"."""
        return self._split()[1]

    def _split(self) -> tuple[list[FacetOption], list[FacetOption]]:
        if self.name == "topic":
            # Every theme at once; a theme's sub-topics when it (or one of them) is chosen; the rest folded away.
            open_themes = {option.parent or option.value for option in self.options if option.selected}
            shown = [o for o in self.options if not o.depth or o.selected or o.parent in open_themes]
            return shown, [o for o in self.options if o not in shown]
        shown, more = [], []
        for option in self.options:
            (shown if option.selected or len(shown) < FACET_SHOWN else more).append(option)
        if len(more) == 1:  # folding away a single option helps nobody
            shown, more = shown + more, []
        return shown, more


@dataclass
class SearchHit:
    resource: Resource
    snippet: SafeString
    rank: float | None = None


@dataclass
class SearchResults:
    query: str
    sort: str
    hits: list[SearchHit]
    total: int
    page_obj: Page
    facets: list[Facet] = field(default_factory=list)
    suggestion: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    # True when facet counts were estimated from an even sample (very broad searches): shown as "about N".
    facet_counts_estimated: bool = False

    @property
    def resources(self) -> list[Resource]:
        return [hit.resource for hit in self.hits]


def facet_names_for(user: Any) -> list[str]:
    names = ["type", "topic", "language", "province", "year", "organisation"]
    if can_see_internal_content(user):
        names.append("visibility")
    return names


def _order_sql(sort: str, has_query: bool, prefix: str = "") -> str:
    p = prefix
    if sort == Sort.RELEVANCE and has_query:
        return f"{p}rank DESC NULLS LAST, {p}published_at DESC NULLS LAST, {p}id DESC"
    if sort == Sort.DOWNLOADS:
        return f"{p}download_count DESC, {p}published_at DESC NULLS LAST, {p}id DESC"
    if sort == Sort.TITLE:
        return f"lower({p}title), {p}id"
    return f"{p}published_at DESC NULLS LAST, {p}id DESC"


def _distinct_fragments(headline: str) -> str:
    # A file often repeats the summary, so two fragments can say the same thing: keep a fragment only if most of
    # its words are new.
    kept: list[str] = []
    seen: set[str] = set()
    for fragment in headline.split(" … "):
        words = {word.lower() for word in re.findall(r"\w+", fragment)}
        if kept and words and len(words - seen) < len(words) / 2:
            continue
        kept.append(fragment.strip())
        seen |= words
    return " … ".join(fragment for fragment in kept if fragment)


def _highlight(headline: str) -> SafeString:
    # Escape everything the document said, then turn our markers (which cannot come from the document) into <mark>.
    escaped = str(escape(_distinct_fragments(headline)))
    escaped = escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    return mark_safe(escaped)  # noqa: S308 - built from escaped text and our own tags only


def search_resources(
    *,
    user: Any,
    query: str = "",
    filters: Mapping[str, Sequence[str]] | None = None,
    sort: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    with_facets: bool = True,
    with_suggestion: bool = True,
) -> SearchResults:
    """Resources `user` may see that match `query` (web-search syntax: "a phrase", either OR other, -excluded;
    accents and word endings ignored) and `filters` (facet name -> accepted values), sorted by `sort`
    (relevance when there is a query, otherwise newest first), one page of them with highlighted snippets, the
    total, facet counts and, when nothing matched, a "did you mean" suggestion built from words of visible
    resources.

    Facet counts are disjunctive: a facet's counts apply every other facet's filter but not its own, so a person
    can add a second type or topic to the one they chose. Very broad searches (more than FACET_SAMPLE_SIZE
    candidates) count facets on an even sample and scale them (`facet_counts_estimated`); relevance ranks at most
    RANK_CANDIDATES documents (the most downloaded matches), the other matches following newest first.

    Changes nothing. Queries: one to read the query's words (when there is a query), one statement (with its SET
    LOCAL planner settings in the same round trip), one to load the page's resources, and two more for "did you
    mean" when nothing matched — whatever the page size."""
    query = clean_query(query)
    filters = {name: list(values) for name, values in (filters or {}).items() if values}
    facet_names = facet_names_for(user)
    if "visibility" not in facet_names:
        filters.pop("visibility", None)
    if sort not in Sort.VALUES:
        sort = Sort.RELEVANCE if query else Sort.NEWEST
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))

    browsing = not query and with_facets
    if browsing:
        # Browsing: the counts may be kept from an earlier request (resources.browse_cache); the page is one query.
        levels = visibility_levels(user)
        generation, summary = browse_cache.lookup(levels, facet_names, filters)
        if summary is not None:
            return _browse_page(user=user, filters=filters, sort=sort, page=page, page_size=page_size,
                                facet_names=facet_names, summary=summary)

    base = Resource.objects.visible_to(user).order_by()
    flags = {f"ok_{name}": values for name, values in filters.items()}
    annotations: dict[str, Any] = {
        f"ok_{name}": ExpressionWrapper(facet_condition(name, values), output_field=BooleanField())
        for name, values in filters.items()
    }
    # The candidates carry only what filtering, counting and ordering need; facet columns are read for the facet
    # sample alone, and everything a result shows for the page's rows alone.
    columns = ["id", "published_at", "download_count", *annotations]
    if sort == Sort.TITLE:
        columns.append("title")
    base_sql, base_params = base.annotate(**annotations).values(*columns).query.sql_with_params()
    table = Resource._meta.db_table
    quoted_table = connection.ops.quote_name(table)
    if query:
        # The text match is its own step (text_hits: the indexes alone find the rows, see resources.text_query),
        # and visible_to's conditions then apply to those rows only: in one scan the planner picks the status
        # index and tests every visible row's vector instead. visible_to's compiled query reads the matched rows
        # under the table's own name, so its rule is applied unchanged.
        from_table = re.compile(rf"FROM {re.escape(quoted_table)}(?![.\w])")
        needed = sorted({"id", *re.findall(rf'{re.escape(quoted_table)}\."(\w+)"', base_sql)})
        text_hits, text_parameters = text_match_sql(
            _tsquery_text(query), table=quoted_table, columns=[connection.ops.quote_name(column) for column in needed]
        )
        found = from_table.search(base_sql)
        if found is None:
            raise RuntimeError("visible_to's query no longer reads the resource table directly")
        # The text's parameters go where the FROM clause sits among the query's placeholders.
        position = base_sql[: found.start()].count("%s")
        base_sql = f"{base_sql[: found.start()]}FROM {text_hits} AS {quoted_table}{base_sql[found.end():]}"
        base_params = (*base_params[:position], *text_parameters, *base_params[position:])

    def all_flags(except_name: str = "") -> str:
        conditions = [flag for flag in flags if flag != f"ok_{except_name}"]
        return " AND ".join(conditions) if conditions else "TRUE"

    order = _order_sql(sort, bool(query))
    parameters: list[Any] = list(base_params)
    # The matches are the candidates that pass every facet filter, read from `hits` where needed rather than
    # copied: one pass counts both (`counts`), and the page reads only its top rows.
    matched = f"(SELECT * FROM hits WHERE {all_flags()})" if flags else "hits"
    if sort == Sort.RELEVANCE and query:
        # Relevance (ts_rank_cd) reads each document's whole vector, the costly part of a search. Every match is
        # ranked when there are up to RANK_CANDIDATES of them; beyond that, the RANK_CANDIDATES most downloaded
        # are ranked and come first, and the other matches follow, newest first. The second part of the page
        # query only runs when a page reaches past the ranked ones.
        ordered_sql = f"""
        candidates AS MATERIALIZED (
            SELECT c.id, c.published_at, c.download_count, ts_rank_cd(
                (SELECT r.search_vector FROM {quoted_table} AS r WHERE r.id = c.id),
                websearch_to_tsquery('{SEARCH_CONFIG}', %s)) AS rank
            FROM (SELECT * FROM {matched} AS m ORDER BY download_count DESC, id DESC LIMIT {RANK_CANDIDATES}) AS c
        ),
        page AS (
            (SELECT id, rank, published_at, download_count FROM candidates
             ORDER BY rank DESC, published_at DESC NULLS LAST, id DESC)
            UNION ALL
            (SELECT id, NULL::real, published_at, download_count FROM {matched} AS m
             WHERE id NOT IN (SELECT id FROM candidates) ORDER BY published_at DESC NULLS LAST, id DESC)
            LIMIT %s OFFSET %s
        )"""
        parameters.append(query)
    else:
        ordered_sql = f"""page AS (SELECT m.*, NULL::real AS rank FROM {matched} AS m ORDER BY {order}
                                   LIMIT %s OFFSET %s)"""
    time_zone = re.sub(r"[^\w/+-]", "", str(settings.TIME_ZONE))
    # Facets count every candidate up to FACET_SAMPLE_SIZE; beyond, an even sample (every n-th id), scaled.
    counts_sql = f"""counts AS MATERIALIZED (
            SELECT count(*) AS candidates, count(*) FILTER (WHERE {all_flags()}) AS total,
                   greatest(1, ceil(count(*) / {FACET_SAMPLE_SIZE}.0))::bigint AS stride
            FROM hits),"""
    if with_facets:
        facet_ctes = f"""
        sample AS MATERIALIZED (
            SELECT h.*, r.resource_type, r.organisation_id, r.visibility, r.languages,
                   coalesce(extract(year FROM r.publication_date),
                            extract(year FROM r.published_at AT TIME ZONE '{time_zone}'))::int AS facet_year
            FROM hits AS h CROSS JOIN counts JOIN {quoted_table} AS r ON r.id = h.id
            WHERE counts.stride = 1 OR h.id %% counts.stride = 0
        ),"""
        facets_select = f"""(SELECT coalesce(json_agg(json_build_array(f.facet, f.value, f.label, f.count,
                                                               f.sort_key, f.depth)), '[]')
                             FROM ({_facet_sql(facet_names, all_flags)}) AS f),
            (SELECT stride FROM counts)"""
    else:
        facet_ctes = ""
        facets_select = "'[]'::json, 1"
    statement = f"""
        WITH hits AS MATERIALIZED ({base_sql}),
        {counts_sql}
        {facet_ctes}
        {ordered_sql}
        SELECT
            (SELECT total FROM counts),
            {facets_select},
            (SELECT coalesce(json_agg(json_build_array(p.id, p.rank, {_headline_sql(bool(query))})
                                      ORDER BY {_order_sql(sort, bool(query), prefix="p.")}), '[]')
               FROM page AS p JOIN {quoted_table} AS r ON r.id = p.id)
    """
    offset = (page - 1) * page_size
    limit_index = len(parameters)
    parameters += [page_size, offset]
    if query:
        parameters += [query, HEADLINE_OPTIONS]
    # A word found in most documents tempts the planner into a sequential scan that detoasts and tests every
    # document's vector; the GIN index answers without reading them. SET LOCAL lasts for this transaction only and
    # travels in the same round trip (Django's psycopg cursors bind parameters client-side, so two statements can
    # be sent at once).
    # Every step after the text match works on a few thousand rows at most (candidates, a facet sample, a page):
    # nested loops over indexes suit them better than hashing whole link tables, which the planner would choose
    # from its row estimates.
    settings_sql = (
        f"SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '{SEARCH_WORK_MEM}';"
    )
    if query:
        settings_sql += " SET LOCAL enable_seqscan = off;"
    statement = f"{settings_sql}\n{statement}"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        total, facet_rows, stride, page_rows = _run(cursor, statement, parameters)
        if total and offset >= total:  # past the last page: show the last one
            page = (total - 1) // page_size + 1
            parameters[limit_index + 1] = (page - 1) * page_size
            total, facet_rows, stride, page_rows = _run(cursor, statement, parameters)
    facet_rows = json.loads(facet_rows) if isinstance(facet_rows, str) else facet_rows
    page_rows = json.loads(page_rows) if isinstance(page_rows, str) else page_rows
    if browsing:
        browse_cache.keep(generation, levels, facet_names, filters, (total, facet_rows, stride))

    hits = _load_hits(user=user, page_rows=page_rows)
    paginator = Paginator(range(total), page_size)
    page_obj = paginator.get_page(page)
    suggestion = ""
    if with_suggestion and total == 0 and query:
        suggestion = suggest_query(user=user, query=query)
    return SearchResults(
        query=query,
        sort=sort,
        hits=hits,
        total=total,
        page_obj=page_obj,
        facets=_build_facets(facet_names, facet_rows, filters, stride=stride or 1) if with_facets else [],
        facet_counts_estimated=(stride or 1) > 1,
        suggestion=suggestion,
        filters=filters,
    )


def _browse_order(sort: str) -> list[Any]:
    """The order of _order_sql without search words, for the ORM."""
    newest = [F("published_at").desc(nulls_last=True), F("id").desc()]
    if sort == Sort.DOWNLOADS:
        return [F("download_count").desc(), *newest]
    if sort == Sort.TITLE:
        return [Lower("title"), F("id").asc()]
    return newest


def _browse_page(*, user: Any, filters: dict[str, list[str]], sort: str, page: int, page_size: int,
                 facet_names: list[str], summary: Any) -> SearchResults:
    """A page of browsing (no search words) with its total and facet counts from `summary` (resources.browse_cache):
    the page's ids in one indexed query, then the page's resources."""
    total, facet_rows, stride = summary
    if total and (page - 1) * page_size >= total:  # past the last page: show the last one
        page = (total - 1) // page_size + 1
    offset = (page - 1) * page_size
    # Nothing to look for when nothing matched (an ordered index scan would read the whole index to find that out).
    ids = list(
        apply_filters(Resource.objects.visible_to(user), filters)
        .order_by(*_browse_order(sort)).values_list("id", flat=True)[offset:offset + page_size]
    ) if total else []
    return SearchResults(
        query="",
        sort=sort,
        hits=_load_hits(user=user, page_rows=[[resource_id, None, None] for resource_id in ids]),
        total=total,
        page_obj=Paginator(range(total), page_size).get_page(page),
        facets=_build_facets(facet_names, facet_rows, filters, stride=stride or 1),
        facet_counts_estimated=(stride or 1) > 1,
        suggestion="",
        filters=filters,
    )


def _tsquery_text(query: str) -> str:
    """The query as PostgreSQL reads it (websearch_to_tsquery in the search configuration), in tsquery's text form:
    the words stemmed and unaccented, stop words dropped, phrases as <->. One query."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT websearch_to_tsquery('{SEARCH_CONFIG}', %s)::text", [query])
        return cursor.fetchone()[0]


def _run(cursor: Any, statement: str, parameters: list[Any]) -> tuple[int, Any, Any]:
    cursor.execute(statement, parameters)
    # The first result is the SET's; the search's row is in the next one.
    while cursor.description is None and cursor.nextset():
        pass
    return cursor.fetchone()


def _headline_sql(has_query: bool) -> str:
    if not has_query:
        return "NULL"
    file_table = ResourceFile._meta.db_table
    version_table = FileVersion._meta.db_table
    # Summary first, then the start of the files' text; markers removed from the source (see HIGHLIGHT_START).
    return f"""ts_headline('{SEARCH_CONFIG}',
        translate(concat_ws(' … ', r.summary,
            (SELECT string_agg(left(v.extracted_text, {SNIPPET_SOURCE_LIMIT}), ' … ' ORDER BY file.position, file.id)
               FROM {file_table} AS file JOIN {version_table} AS v ON v.id = file.latest_version_id
              WHERE file.resource_id = r.id)), '{HIGHLIGHT_START}{HIGHLIGHT_STOP}', ''),
        websearch_to_tsquery('{SEARCH_CONFIG}', %s), %s)"""


def _facet_sql(names: list[str], all_flags: Any) -> str:
    topics = Resource.topics.through._meta.db_table
    topic_table = Topic._meta.db_table
    provinces = Resource.provinces.through._meta.db_table
    municipalities = Resource.municipalities.through._meta.db_table
    parts = []
    if "type" in names:
        parts.append(
            f"SELECT 'type' AS facet, resource_type AS value, NULL AS label, count(*) AS count, NULL AS sort_key, "
            f"0 AS depth FROM sample AS hits WHERE {all_flags('type')} GROUP BY resource_type"
        )
    if "topic" in names:
        # A resource counts once under each topic it has and once under that topic's theme.
        parts.append(
            f"""SELECT 'topic', topic.slug, topic.name, counts.count,
                   concat(lpad(coalesce(parent.position, topic.position)::text, 5, '0'),
                          coalesce(parent.name, topic.name), '|', (topic.parent_id IS NOT NULL)::int,
                          lpad(topic.position::text, 5, '0'), topic.name),
                   (topic.parent_id IS NOT NULL)::int
            FROM (
                SELECT pairs.topic_id, count(*) AS count FROM (
                    SELECT DISTINCT hits.id, counted.topic_id
                    FROM sample AS hits
                    JOIN {topics} AS link ON link.resource_id = hits.id
                    JOIN {topic_table} AS linked ON linked.id = link.topic_id
                    CROSS JOIN LATERAL (VALUES (linked.id), (linked.parent_id)) AS counted(topic_id)
                    WHERE counted.topic_id IS NOT NULL AND {all_flags('topic')}
                ) AS pairs GROUP BY pairs.topic_id
            ) AS counts
            JOIN {topic_table} AS topic ON topic.id = counts.topic_id
            LEFT JOIN {topic_table} AS parent ON parent.id = topic.parent_id"""
        )
    if "language" in names:
        parts.append(
            f"SELECT 'language', language, NULL, count(*), NULL, 0 FROM sample AS hits, unnest(hits.languages) AS language "
            f"WHERE {all_flags('language')} GROUP BY language"
        )
    if "province" in names:
        parts.append(
            f"""SELECT 'province', province.code, province.name, count(DISTINCT covered.id), province.name, 0
            FROM (
                SELECT hits.id, link.province_id FROM sample AS hits JOIN {provinces} AS link ON link.resource_id = hits.id
                WHERE {all_flags('province')}
                UNION ALL
                SELECT hits.id, municipality.province_id FROM sample AS hits
                JOIN {municipalities} AS link ON link.resource_id = hits.id
                JOIN {Municipality._meta.db_table} AS municipality ON municipality.id = link.municipality_id
                WHERE {all_flags('province')}
            ) AS covered
            JOIN {Province._meta.db_table} AS province ON province.id = covered.province_id
            GROUP BY province.code, province.name"""
        )
    if "year" in names:
        parts.append(
            f"SELECT 'year', facet_year::text, NULL, count(*), NULL, 0 FROM sample AS hits "
            f"WHERE facet_year IS NOT NULL AND {all_flags('year')} GROUP BY facet_year"
        )
    if "organisation" in names:
        parts.append(
            f"""SELECT 'organisation', organisation.id::text, organisation.name, count(*), organisation.name, 0
            FROM sample AS hits JOIN {Organisation._meta.db_table} AS organisation ON organisation.id = hits.organisation_id
            WHERE {all_flags('organisation')} GROUP BY organisation.id, organisation.name"""
        )
    if "visibility" in names:
        parts.append(
            f"SELECT 'visibility', visibility, NULL, count(*), NULL, 0 FROM sample AS hits "
            f"WHERE {all_flags('visibility')} GROUP BY visibility"
        )
    return "\nUNION ALL\n".join(parts)


def _estimate(count: int, stride: int) -> int:
    """A sampled count scaled up and rounded to two significant figures (an estimate should not look exact)."""
    if stride <= 1:
        return count
    scaled = count * stride
    magnitude = 10 ** max(len(str(scaled)) - 2, 0)
    return max(1, round(scaled / magnitude) * magnitude)


def _build_facets(
    names: list[str], rows: list[list[Any]], filters: Mapping[str, Sequence[str]], *, stride: int = 1
) -> list[Facet]:
    labels = {
        "type": dict(Resource.ResourceType.choices),
        "language": dict(Language.choices),
        "visibility": dict(Resource.Visibility.choices),
    }
    order = {
        "type": [value for value, _label in Resource.ResourceType.choices],
        "language": [value for value, _label in Language.choices],
        "visibility": [value for value, _label in Resource.Visibility.choices],
    }
    by_facet: dict[str, list[FacetOption]] = {name: [] for name in names}
    sort_keys: dict[tuple[str, str], Any] = {}
    for facet, value, label, count, sort_key, depth in rows:
        if facet not in by_facet or value is None:
            continue
        selected = value in filters.get(facet, ())
        by_facet[facet].append(
            FacetOption(
                value=value,
                label=str(labels[facet].get(value, value)) if facet in labels else (label or value),
                count=_estimate(count, stride),
                selected=selected,
                depth=depth or 0,
            )
        )
        sort_keys[facet, value] = sort_key
    facets = []
    for name in names:
        options = by_facet[name]
        # A chosen value with no matches stays visible (and ticked) so it can be unticked.
        present = {option.value for option in options}
        for value in filters.get(name, ()):
            if value not in present:
                options.append(FacetOption(value=value, label=_missing_label(name, value, labels), count=0,
                                           selected=True))
        if name in order:
            position = {value: index for index, value in enumerate(order[name])}
            options.sort(key=lambda option: position.get(option.value, len(position)))
        elif name == "year":
            options.sort(key=lambda option: option.value, reverse=True)
        elif name == "organisation":
            options.sort(key=lambda option: (not option.selected, -option.count, option.label))
        else:
            options.sort(key=lambda option: (sort_keys.get((name, option.value)) or option.label))
        if name == "topic":
            theme: FacetOption | None = None
            for option in options:
                if not option.depth:
                    theme = option
                elif theme is not None:
                    option.parent, option.parent_label = theme.value, theme.label
        facets.append(Facet(name=name, label=str(FACET_LABELS[name]), options=options))
    return facets


def _missing_label(name: str, value: str, labels: Mapping[str, Mapping[str, Any]]) -> str:
    if name in labels:
        return str(labels[name].get(value, value))
    return value


def _load_hits(*, user: Any, page_rows: list[list[Any]]) -> list[SearchHit]:
    ids = [row[0] for row in page_rows]
    if not ids:
        return []
    # visible_to again: the ids came from it, and a page never shows anything else.
    # A result shows neither the description nor the search data: not read (long, stored out of line).
    resources = (
        Resource.objects.visible_to(user)
        .select_related("organisation")
        .defer("body", "body_html", "search_vector", "search_text")
        .in_bulk(ids)
    )
    hits = []
    for resource_id, rank, headline in page_rows:
        resource = resources.get(resource_id)
        if resource is None:
            continue
        snippet = _highlight(headline) if headline else escape(resource.summary)
        hits.append(SearchHit(resource=resource, snippet=snippet, rank=rank))
    return hits


# --- Did you mean -----------------------------------------------------------------------------------------------


def suggest_query(*, user: Any, query: str) -> str:
    """A corrected query for one that matched nothing: each word replaced by the most similar word (trigram
    similarity) of the "did you mean" vocabulary (words of titles, tags, topics and summaries of resources), or ""
    when no word is close enough, nothing would change, or the corrected query would find nothing `user` may see.
    Two queries."""
    terms = query_terms(query)
    if not terms:
        return ""
    statement = """
        SELECT term.position, best.word, best.score
        FROM unnest(%s::text[]) WITH ORDINALITY AS term(word, position)
        CROSS JOIN LATERAL (
            SELECT vocabulary.word, similarity(vocabulary.word, term.word) AS score
            FROM resources_search_word AS vocabulary
            WHERE vocabulary.word %% term.word AND vocabulary.visibility = ANY(%s)
            GROUP BY vocabulary.word
            ORDER BY score DESC, sum(vocabulary.documents) DESC, vocabulary.word
            LIMIT 1
        ) AS best
    """
    with connection.cursor() as cursor:
        # only the vocabulary rows of levels the person sees; the suggestion is then confirmed through visible_to
        cursor.execute(statement, [terms, visibility_levels(user)])
        best = {position: (word, score) for position, word, score in cursor.fetchall()}
    corrected = []
    changed = False
    for position, term in enumerate(terms, start=1):
        word, score = best.get(position, (None, 0.0))
        if word and word != term and score >= SUGGESTION_MIN_SIMILARITY:
            corrected.append(word)
            changed = True
        else:
            corrected.append(term)
    if not changed:
        return ""
    suggestion = " ".join(corrected)
    finds_something = (
        Resource.objects.visible_to(user)
        .filter(search_vector=SearchQuery(suggestion, search_type="websearch", config=SEARCH_CONFIG))
        .exists()
    )
    return suggestion if finds_something else ""


# --- Detail page ------------------------------------------------------------------------------------------------


def get_resource_for_detail(*, slug: str) -> Resource:
    """The resource with this slug and what its page shows in the same query (organisation, replacement). The caller
    decides whether the person may see it (resources.permissions.can_view_resource). Raises Resource.DoesNotExist."""
    return Resource.objects.select_related("organisation", "superseded_by", "created_by").get(slug=slug)


def resource_files(*, resource: Resource) -> list[ResourceFile]:
    """The resource's files in order, each with its latest version and its version history (newest first)."""
    from django.db.models import Prefetch

    return list(
        ResourceFile.objects.filter(resource=resource)
        .select_related("latest_version")
        .prefetch_related(
            Prefetch("versions", queryset=FileVersion.objects.select_related("uploaded_by").order_by("-number"))
        )
        .order_by("position", "id")
    )


def related_resources(*, user: Any, resource: Resource, limit: int = 5) -> list[Resource]:
    """Up to `limit` resources `user` may see that relate to `resource`: those linked explicitly first, then those
    sharing the most topics, then those whose words (title, tags, topics, summary) are most alike (trigram
    similarity of search_text). One query."""
    from django.contrib.postgres.search import TrigramSimilarity
    from django.db.models import Count, IntegerField, Value
    from django.db.models.functions import Cast

    topics = list(resource.topics.values_list("pk", "parent_id"))
    topic_ids = [pk for pk, _parent in topics]
    # Candidates share a topic or its theme (a sibling sub-topic counts, ranked after an exact share).
    themes = {parent or pk for pk, parent in topics}
    theme_topic_ids = list(Topic.objects.filter(Q(pk__in=themes) | Q(parent_id__in=themes)).values_list("pk", flat=True))
    related_ids = Resource.related.through.objects.filter(from_resource_id=resource.pk).values("to_resource_id")
    candidates = Resource.objects.visible_to(user).exclude(pk=resource.pk)
    condition = Q(pk__in=related_ids)
    if theme_topic_ids:
        condition |= Q(topics__in=theme_topic_ids)
    if resource.search_text:
        condition |= Q(search_text__trigram_similar=resource.search_text[:200])
    annotated = (
        candidates.filter(condition)
        .annotate(
            is_linked=Cast(Exists(Resource.related.through.objects.filter(
                from_resource_id=resource.pk, to_resource_id=OuterRef("pk"))), IntegerField()),
            shared_topics=Count("topics", filter=Q(topics__in=topic_ids), distinct=True) if topic_ids
            else Value(0, output_field=IntegerField()),
            likeness=TrigramSimilarity("search_text", resource.search_text[:200] or resource.title),
        )
        .select_related("organisation")
        .order_by("-is_linked", "-shared_topics", "-likeness", "-published_at", "-pk")
    )
    return list(annotated[:limit])
