"""Editors and reviewers may read the task queue's results (admin → Tasks → DB task results): a notification, a
link check or a webhook delivery that gave up shows there, with its traceback. Nobody edits them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("Editors", "Reviewers")


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.get(content_type__app_label="django_tasks_database", codename="view_dbtaskresult")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(view)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="django_tasks_database", codename="view_dbtaskresult")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*view)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0012_linkcheckrun"),
        ("cms", "0007_groups"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
