"""Releases and the audit log refuse DELETE too, in the database itself (0002 and 0006 refuse UPDATE)."""

from django.db import migrations

from cms.triggers import APPEND_ONLY, refuse_deletes


class Migration(migrations.Migration):
    dependencies = [("cms", "0008_merge_webhooks_workflow")]
    operations = [refuse_deletes(table, message) for table, message in APPEND_ONLY.items()]
