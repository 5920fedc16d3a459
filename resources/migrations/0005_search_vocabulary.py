"""The vocabulary behind "did you mean": each word of the titles, tags, topics and summaries of published resources,
per visibility, with the number of resources using it, and a trigram index to find the words closest to a typo.

A materialised view (refreshed by resources.services.search.refresh_search_vocabulary after changes, and by
`manage.py rebuild_search_index`): comparing a typo with ~20,000 short words is fast, comparing it with the text of
100,000 resources is not. A suggestion is shown only after a search confirms that it finds something the person may
see, so a stale view can never reveal a word of a resource they may not see."""

from django.db import migrations

CREATE = r"""
CREATE MATERIALIZED VIEW resources_search_word AS
SELECT word, visibility, count(*) AS documents
FROM (
    SELECT DISTINCT r.id, r.visibility, part.word
    FROM resources_resource AS r,
         regexp_split_to_table(r.search_text, '[^[:alnum:]]+') AS part(word)
    WHERE r.status = 'published' AND length(part.word) BETWEEN 3 AND 40 AND part.word !~ '^[0-9]+$'
) AS words
GROUP BY word, visibility;
CREATE UNIQUE INDEX resources_search_word_unique ON resources_search_word (word, visibility);
CREATE INDEX resources_search_word_trgm ON resources_search_word USING gin (word gin_trgm_ops);
"""
DROP = "DROP MATERIALIZED VIEW IF EXISTS resources_search_word;"


class Migration(migrations.Migration):
    dependencies = [("resources", "0004_search_storage")]

    operations = [migrations.RunSQL(CREATE, DROP)]
