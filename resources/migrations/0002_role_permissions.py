"""Give the global role groups their resource-centre permissions."""

from django.db import migrations

PERMISSIONS = {
    "review_resource": "Can review and publish submitted resources",
    "publish_resource_directly": "Can publish own resources without review",
}
GROUPS = {
    "Content reviewers": ["review_resource", "publish_resource_directly"],
    "SALGA staff": ["publish_resource_directly"],
    "Site administrators": ["review_resource", "publish_resource_directly"],
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="resources", model="resource")
    for group_name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for codename in codenames:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": PERMISSIONS[codename]}
            )
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial"), ("hub", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
