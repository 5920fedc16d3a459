"""An index of the short phrases of every resource, so phrase searches are answered by an index.

The GIN index on search_vector answers words, OR and -exclusion alone, but not a phrase ("service delivery", and
every hyphenated word, which the parser splits into a phrase of three): it finds the documents holding all the
words, and PostgreSQL then reads each one's vector from TOAST to compare positions. With common words that is
nearly every document: half a second at 100,000 resources.

`resources_search_phrases(vector)` lists the runs of two and of three lexemes at consecutive positions of a stored
vector, as 'first second' and 'first second third'. A document matches `'a' <-> 'b'` exactly when its runs hold
'a b', and `'a' <-> 'b' <-> 'c'` exactly when they hold 'a b c': PostgreSQL checks phrases against the same stored
positions (their clamping and limits included). The function reads only its argument (IMMUTABLE), so it can back an
expression index; it is declared costly so the planner never chooses to compute it row by row where the index can
answer. resources.text_query writes the conditions that use it."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import migrations
from django.db.models import F, Func, TextField

CREATE_FUNCTION = r"""
CREATE FUNCTION resources_search_phrases(vector tsvector) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    WITH words AS (SELECT lexeme, unnest(positions) AS position FROM unnest(vector))
    SELECT coalesce(array_agg(DISTINCT phrase), '{}')
    FROM (
        SELECT first.lexeme || ' ' || second.lexeme AS phrase
        FROM words AS first JOIN words AS second ON second.position = first.position + 1
        UNION ALL
        SELECT first.lexeme || ' ' || second.lexeme || ' ' || third.lexeme
        FROM words AS first
        JOIN words AS second ON second.position = first.position + 1
        JOIN words AS third ON third.position = first.position + 2
    ) AS phrases
$$;
"""
DROP_FUNCTION = "DROP FUNCTION IF EXISTS resources_search_phrases(tsvector);"


class Migration(migrations.Migration):
    dependencies = [("resources", "0005_search_vocabulary")]

    operations = [
        migrations.RunSQL(CREATE_FUNCTION, DROP_FUNCTION),
        migrations.AddIndex(
            model_name="resource",
            index=GinIndex(
                Func(F("search_vector"), function="resources_search_phrases", output_field=ArrayField(TextField())),
                name="resources_search_phrases_gin",
            ),
        ),
    ]
