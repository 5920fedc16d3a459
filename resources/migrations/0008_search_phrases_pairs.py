"""The phrase index keeps every run of two words, and runs of three only after a hyphenated word.

Runs of three are nearly all different from one another, so indexing all of them made the index ten times the size
of one of pairs (1.6 GB against 154 MB at 100,000 resources of 2 KB of text). The runs of three that matter are the
ones the parser makes of a hyphenated word: "non-revenue" is the phrase 'non-revenu' <-> 'non' <-> 'revenu', so its
run starts with the whole hyphenated word, and those are few. Other phrases of three or more words are narrowed by
their pairs and confirmed on the vector (resources.text_query). The index is rebuilt with the new function."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION resources_search_phrases(vector tsvector) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    WITH words AS (SELECT lexeme, unnest(positions) AS position FROM unnest(vector))
    SELECT coalesce(array_agg(DISTINCT phrase), '{{}}')
    FROM (
        SELECT first.lexeme || ' ' || second.lexeme AS phrase
        FROM words AS first JOIN words AS second ON second.position = first.position + 1
        UNION ALL
        SELECT first.lexeme || ' ' || second.lexeme || ' ' || third.lexeme
        FROM words AS first
        JOIN words AS second ON second.position = first.position + 1
        JOIN words AS third ON third.position = first.position + 2
        {runs_of_three}
    ) AS phrases
$$;
REINDEX INDEX resources_search_phrases_gin;
"""
PAIRS_AND_HYPHENATED_RUNS = FUNCTION.format(runs_of_three="WHERE strpos(first.lexeme, '-') > 0")
ALL_RUNS = FUNCTION.format(runs_of_three="")  # as migration 0006 made it


class Migration(migrations.Migration):
    dependencies = [("resources", "0007_cover_sizes")]

    operations = [migrations.RunSQL(PAIRS_AND_HYPHENATED_RUNS, ALL_RUNS)]
