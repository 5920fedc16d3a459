"""Load provinces, municipalities and SALGA offices, so every installation (and every test database) has them."""

from django.db import migrations


def load(apps, schema_editor):
    from hub.services.organisations import load_reference_data

    load_reference_data(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("hub", "0002_roles")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
