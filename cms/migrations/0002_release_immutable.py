"""Published releases are immutable: the database itself refuses to UPDATE a row of cms_release."""

from django.db import migrations

from cms.triggers import refuse_updates


class Migration(migrations.Migration):
    dependencies = [("cms", "0001_initial")]
    operations = [refuse_updates("cms_release", "A published release is immutable.")]
