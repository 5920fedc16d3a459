"""Generate the search benchmark's corpus in its own database, with set-based SQL (INSERT ... SELECT
generate_series), so 100,000 resources with about 2 KB of extracted text each take a minute or two, not an hour."""

from __future__ import annotations

import time
from typing import Any

from bench.searchkit.vocabulary import RARE_WORDS, TAGS, TITLE_OPENINGS, TOPIC_THEMES, WORDS

RESOURCE_TYPES = [
    "guide", "toolkit", "policy_brief", "legal_brief", "research_report", "case_study", "template",
    "presentation", "data_set", "journal_article", "recording", "link",
]
LANGUAGE_SETS = ["{en}"] * 14 + ["{en,af}", "{zu}", "{xh}", "{af}", "{en,zu,xh}", "{nso}", "{tn}", "{st}", "{ve}"]


def _log(message: str) -> None:
    print(f"  {message}", flush=True)


def corpus_size(connection: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM resources_resource WHERE slug LIKE 'bench-%%'")
        return cursor.fetchone()[0]


def generate(connection: Any, *, count: int, text_words: int = 230, seed: float = 0.42) -> None:
    """Replace the resource tables' content with `count` generated resources, one PDF-like file each (one version
    with about `text_words` words of extracted text), topics, provinces, tags, organisations, languages, years."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        _log("emptying resource tables")
        cursor.execute(
            "TRUNCATE resources_resource, resources_resourcefile, resources_fileversion, resources_resource_topics, "
            "resources_resource_provinces, resources_resource_municipalities, resources_topic, "
            "resources_feedback, resources_savedresource, resources_collectionitem RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            "DELETE FROM taggit_taggeditem WHERE content_type_id = "
            "(SELECT id FROM django_content_type WHERE app_label = 'resources' AND model = 'resource')"
        )

        # The topic taxonomy (themes and sub-topics) and tags.
        position = 0
        for theme, children in TOPIC_THEMES:
            position += 1
            cursor.execute(
                "INSERT INTO resources_topic (name, slug, description, position, parent_id) "
                "VALUES (%s, %s, '', %s, NULL) RETURNING id",
                [theme, _slug(theme), position],
            )
            parent_id = cursor.fetchone()[0]
            for child_position, child in enumerate(children, start=1):
                cursor.execute(
                    "INSERT INTO resources_topic (name, slug, description, position, parent_id) "
                    "VALUES (%s, %s, '', %s, %s)",
                    [child, _slug(child), child_position, parent_id],
                )
        for tag in TAGS:
            cursor.execute(
                "INSERT INTO taggit_tag (name, slug) VALUES (%s, %s) ON CONFLICT DO NOTHING", [tag, tag]
            )

        cursor.execute("SELECT array_agg(name ORDER BY id) FROM hub_municipality")
        places = cursor.fetchone()[0] or []
        vocabulary = WORDS + [place.split()[0] for place in places[:120]] + RARE_WORDS

        _log(f"inserting {count:,} resources")
        cursor.execute(
            """
            WITH params AS (
                SELECT %(words)s::text[] AS words, %(openings)s::text[] AS openings, %(types)s::text[] AS types,
                       %(languages)s::text[] AS language_sets,
                       (SELECT array_agg(id ORDER BY id) FROM hub_organisation) AS organisations
            )
            INSERT INTO resources_resource (
                title, slug, summary, body, body_html, resource_type, languages, is_national, author_names,
                publication_date, licence, external_url, visibility, status, cover_image, cover_thumbnail,
                created_at, updated_at, published_at, edit_version, download_count, useful_count,
                not_useful_count, search_text, organisation_id)
            SELECT
                left(p.openings[1 + floor(random() * array_length(p.openings, 1))::int] || ' '
                     || (SELECT string_agg(p.words[1 + floor(power(random(), 2) * array_length(p.words, 1))::int + 0 * s],
                                           ' ') FROM generate_series(1, 3 + (g %% 4)) AS s WHERE g > 0), 250),
                'bench-' || g,
                left((SELECT string_agg(p.words[1 + floor(power(random(), 3) * array_length(p.words, 1))::int + 0 * s],
                                        ' ') FROM generate_series(1, 30) AS s WHERE g > 0), 500),
                (SELECT string_agg(p.words[1 + floor(power(random(), 3) * array_length(p.words, 1))::int + 0 * s], ' ')
                   FROM generate_series(1, 60) AS s WHERE g > 0),
                '',
                p.types[1 + floor(random() * array_length(p.types, 1))::int],
                p.language_sets[1 + floor(random() * array_length(p.language_sets, 1))::int]::varchar(3)[],
                random() < 0.2,
                '',
                date '2005-01-01' + floor(random() * 7600)::int,
                'cc-by-4.0', '',
                CASE WHEN random() < 0.8 THEN 'public' WHEN random() < 0.75 THEN 'members' ELSE 'internal' END,
                CASE WHEN random() < 0.95 THEN 'published' ELSE 'submitted' END,
                '', '', now(), now(), NULL, 1,
                floor(power(random(), 4) * 5000)::int, 0, 0, '',
                p.organisations[1 + floor(random() * array_length(p.organisations, 1))::int]
            FROM generate_series(1, %(count)s) AS g, params AS p
            """,
            {
                "words": vocabulary,
                "openings": TITLE_OPENINGS,
                "types": RESOURCE_TYPES,
                "languages": LANGUAGE_SETS,
                "count": count,
            },
        )
        cursor.execute(
            "UPDATE resources_resource SET published_at = publication_date::timestamptz + interval '9 hours' "
            "WHERE status = 'published'"
        )

        _log("inserting files and their extracted text")
        cursor.execute(
            "INSERT INTO resources_resourcefile (title, position, download_count, created_at, resource_id) "
            "SELECT 'Document (PDF)', 0, download_count, created_at, id FROM resources_resource ORDER BY id"
        )
        cursor.execute(
            """
            WITH params AS (SELECT %(words)s::text[] AS words)
            INSERT INTO resources_fileversion (
                number, stored_file, original_name, extension, content_type, size, sha256, change_note, created_at,
                download_count, extracted_text, extraction_status, extraction_error, extracted_at, file_id)
            SELECT 1, 'bench/' || f.id || '.pdf', 'document-' || f.id || '.pdf', 'pdf', 'application/pdf',
                   50000 + floor(random() * 20000000)::bigint, md5(f.id::text) || md5(f.id::text || 'x'), '',
                   f.created_at, f.download_count,
                   (SELECT string_agg(p.words[1 + floor(power(random(), 3) * array_length(p.words, 1))::int + 0 * s], ' ')
                      FROM generate_series(1, %(text_words)s) AS s WHERE f.id > 0),
                   'done', '', now(), f.id
            FROM resources_resourcefile AS f, params AS p
            ORDER BY f.id
            """,
            {"words": vocabulary, "text_words": text_words},
        )
        cursor.execute(
            "UPDATE resources_resourcefile AS f SET latest_version_id = v.id FROM resources_fileversion AS v "
            "WHERE v.file_id = f.id"
        )

        _log("linking topics, provinces and tags")
        cursor.execute(
            """
            INSERT INTO resources_resource_topics (resource_id, topic_id)
            SELECT DISTINCT r.id, t.id FROM resources_resource AS r
            CROSS JOIN LATERAL (
                SELECT id FROM resources_topic ORDER BY random() + (r.id * 0) LIMIT 1 + (r.id % 3)
            ) AS t
            """
        )
        cursor.execute(
            """
            INSERT INTO resources_resource_provinces (resource_id, province_id)
            SELECT DISTINCT r.id, p.id FROM resources_resource AS r
            CROSS JOIN LATERAL (
                SELECT id FROM hub_province ORDER BY random() + (r.id * 0) LIMIT (r.id % 3)
            ) AS p
            WHERE NOT r.is_national
            """
        )
        cursor.execute(
            """
            INSERT INTO taggit_taggeditem (content_type_id, object_id, tag_id)
            SELECT ct.id, r.id, t.id
            FROM resources_resource AS r
            CROSS JOIN (SELECT id FROM django_content_type WHERE app_label = 'resources' AND model = 'resource') ct
            CROSS JOIN LATERAL (SELECT id FROM taggit_tag ORDER BY random() + (r.id * 0) LIMIT 1) AS t
            WHERE r.id % 2 = 0
            """
        )
    connection.commit()
    _log(f"corpus generated in {time.monotonic() - started:.0f} s")


def _slug(text: str) -> str:
    return "".join(char if char.isalnum() else "-" for char in text.lower()).strip("-").replace("--", "-")
