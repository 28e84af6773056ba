import importlib

import pytest
from django.contrib.auth.models import Group, Permission


@pytest.fixture
def roles(transactional_db) -> None:
    """The groups of migration cms 0007 with their permissions, for tests that run outside a transaction.

    Such a test's database is emptied after each test (permissions come back, data migrations' rows do not).
    """
    migration = importlib.import_module("cms.migrations.0007_groups")
    for name, codes in migration.ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        labels = [code.split(".") for code in codes]
        group.permissions.set(
            [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in labels]
        )
    # Migration 0015 lets translators submit translations.
    Group.objects.get(name="Translators").permissions.add(
        Permission.objects.get(content_type__app_label="cms", codename="submit_translation")
    )
