"""Full-text search support: the `hub_search` text search configuration (English stemming, accents ignored, so
"Khai-Ma" finds "Khâi-Ma" and "budgets" finds "budget") and a trigram index on search_text for "did you mean".

Both are plain SQL: the configuration is not a Django object, and the trigram index uses an operator class on a
column whose model index list stays as it is (so `makemigrations --check` stays clean)."""

from django.db import migrations

CREATE_CONFIG = """
CREATE TEXT SEARCH CONFIGURATION hub_search (COPY = english);
ALTER TEXT SEARCH CONFIGURATION hub_search
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
"""
DROP_CONFIG = "DROP TEXT SEARCH CONFIGURATION IF EXISTS hub_search;"

CREATE_TRIGRAM_INDEX = (
    "CREATE INDEX resources_search_text_trgm ON resources_resource USING gin (search_text gin_trgm_ops);"
)
DROP_TRIGRAM_INDEX = "DROP INDEX IF EXISTS resources_search_text_trgm;"


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0001_initial"),  # the unaccent and pg_trgm extensions
        ("resources", "0002_role_permissions"),
    ]

    operations = [
        migrations.RunSQL(CREATE_CONFIG, DROP_CONFIG),
        migrations.RunSQL(CREATE_TRIGRAM_INDEX, DROP_TRIGRAM_INDEX),
    ]
