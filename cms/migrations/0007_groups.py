"""The three editorial roles as groups, with exactly the permissions each role needs.

- Editors edit the wizard tree and link targets, submit a wizard for review, and read the visitors' feedback.
- Reviewers see everything, approve or reject change requests, publish and roll back; they do not edit content
  (four eyes: whoever edits cannot approve).
- Translators change the translated texts of existing steps and link targets (the admin keeps the structure and
  the French source read-only for them: see wizard/editing.py) and follow the requests.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
        "wizard.add_node", "wizard.change_node", "wizard.delete_node", "wizard.view_node",
        "wizard.add_linktarget", "wizard.change_linktarget", "wizard.delete_linktarget", "wizard.view_linktarget",
        "cms.add_changerequest", "cms.view_changerequest", "cms.view_release", "cms.view_linkcheck",
        "wizard.view_feedback",
    ],
    "Reviewers": [
        "wizard.view_node", "wizard.view_linktarget",
        "cms.view_changerequest", "cms.review_changerequest", "cms.publish_release",
        "cms.view_release", "cms.view_auditentry", "cms.view_linkcheck", "wizard.view_feedback",
    ],
    "Translators": [
        "wizard.change_node", "wizard.view_node", "wizard.change_linktarget", "wizard.view_linktarget",
        "cms.view_changerequest", "cms.view_release",
    ],
}  # fmt: skip


def create_groups(apps, schema_editor):
    # Permissions are normally created after the last migration; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_workflow"),
        ("wizard", "0002_feedback"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
