# Sizes of the cover thumbnail and a small cover for result lists (resources.services.publishing.set_cover_image).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('resources', '0006_search_phrases'),
    ]

    operations = [
        migrations.AddField(
            model_name='resource',
            name='cover_small',
            field=models.ImageField(blank=True, db_default='', editable=False, upload_to='covers/small/'),
        ),
        migrations.AddField(
            model_name='resource',
            name='cover_small_height',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='resource',
            name='cover_small_width',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='resource',
            name='cover_thumbnail_height',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='resource',
            name='cover_thumbnail_width',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
    ]
