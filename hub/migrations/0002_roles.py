"""Create the global role groups and give them their permissions (hub.roles is the source of truth)."""

from django.db import migrations

GROUPS = {
    "SALGA staff": ["hub.view_internal_content", "hub.verify_officials"],
    "Content reviewers": ["hub.view_internal_content"],
    "Newsletter publishers": [],
    "Site administrators": ["hub.assign_roles", "hub.verify_officials", "hub.view_internal_content", "hub.view_auditentry"],
}
PERMISSION_MODELS = {
    "assign_roles": ("user", "Can assign global roles to people"),
    "verify_officials": ("user", "Can verify municipal officials"),
    "view_internal_content": ("user", "Can see SALGA-internal content"),
    "view_auditentry": ("auditentry", "Can view audit entry"),
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for group_name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            model, name = PERMISSION_MODELS[codename]
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("hub", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
