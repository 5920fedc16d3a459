"""Site administrators get Django admin permissions for the admin-managed lists (expertise areas, verified email
domains, organisations) and read access to the rest. hub.services.roles.set_roles gives them is_staff, so they can
use /admin/; roles and verification stay portal-only (audit-logged)."""

from django.db import migrations

SITE_ADMINISTRATORS = "Site administrators"
# model -> actions; permission rows may not exist yet on a fresh database (post_migrate creates them later), so they
# are created here with Django's default names.
PERMISSIONS = {
    ("expertisearea", "expertise area"): ["add", "change", "delete", "view"],
    ("verifiedemaildomain", "verified email domain"): ["add", "change", "delete", "view"],
    ("organisation", "organisation"): ["add", "change", "view"],
    ("user", "user"): ["change", "view"],
    ("profile", "profile"): ["change", "view"],
    ("municipality", "municipality"): ["view"],
    ("province", "province"): ["view"],
    ("contactmessage", "contact message"): ["view"],
}
ACTION_NAMES = {"add": "Can add", "change": "Can change", "delete": "Can delete", "view": "Can view"}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=SITE_ADMINISTRATORS)
    for (model, verbose_name), actions in PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="hub", model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"{ACTION_NAMES[action]} {verbose_name}"},
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=SITE_ADMINISTRATORS).first()
    if group is None:
        return
    codenames = [f"{action}_{model}" for (model, _), actions in PERMISSIONS.items() for action in actions]
    group.permissions.remove(
        *Permission.objects.filter(content_type__app_label="hub", codename__in=codenames)
    )


class Migration(migrations.Migration):
    dependencies = [("hub", "0003_reference_data")]
    operations = [migrations.RunPython(grant, revoke)]
