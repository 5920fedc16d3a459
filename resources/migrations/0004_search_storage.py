"""Keep the resource table's rows narrow so searches stay fast at 100,000 resources.

Search reads the facet columns (type, organisation, year, languages...) of every matching row. With the default
TOAST threshold (~2 KB) a row keeps its summary, body and search text inline and a page holds three or four rows;
with toast_tuple_target = 128 the long text moves to the TOAST table and a page holds ~30 rows, so scanning the
matches of a common word reads a tenth of the pages. The short columns that searches read are kept inline
(STORAGE MAIN), so reading them never needs a TOAST lookup. Existing rows move on their next update
(`manage.py rebuild_search_index` rewrites them all)."""

from django.db import migrations

FORWARD = """
ALTER TABLE resources_resource SET (toast_tuple_target = 128);
ALTER TABLE resources_resource
    ALTER COLUMN languages SET STORAGE MAIN,
    ALTER COLUMN title SET STORAGE MAIN,
    ALTER COLUMN slug SET STORAGE MAIN,
    ALTER COLUMN resource_type SET STORAGE MAIN,
    ALTER COLUMN visibility SET STORAGE MAIN,
    ALTER COLUMN status SET STORAGE MAIN;
"""
BACKWARD = """
ALTER TABLE resources_resource RESET (toast_tuple_target);
ALTER TABLE resources_resource
    ALTER COLUMN languages SET STORAGE EXTENDED,
    ALTER COLUMN title SET STORAGE EXTENDED,
    ALTER COLUMN slug SET STORAGE EXTENDED,
    ALTER COLUMN resource_type SET STORAGE EXTENDED,
    ALTER COLUMN visibility SET STORAGE EXTENDED,
    ALTER COLUMN status SET STORAGE EXTENDED;
"""


class Migration(migrations.Migration):
    dependencies = [("resources", "0003_search_config")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
