"""The addresses the public was shown (cms.addresses), written from the releases that went live before it existed.

Which releases went live is known from what recorded it: the pointers, the audit log's publish and rollback
entries, published change requests, and releases made without a change request (imported with --publish, which
makes them live at once). A release approved but never live (scheduled, then superseded) adds no address.
"""

from typing import Any

import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def project_past_releases(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from cms import addresses  # the pure functions only: the rows are written with this migration's models

    Release = apps.get_model("cms", "Release")
    LiveRelease = apps.get_model("cms", "LiveRelease")
    AuditEntry = apps.get_model("cms", "AuditEntry")
    ChangeRequest = apps.get_model("cms", "ChangeRequest")
    PublicAddress = apps.get_model("cms", "PublicAddress")
    for pointer in LiveRelease.objects.order_by("changed_at"):
        wizard_id = pointer.wizard_id
        audited = set(
            AuditEntry.objects.filter(wizard_id=wizard_id, action__in=["publish", "rollback"]).values_list(
                "release_id", flat=True
            )
        )
        not_published = set(
            ChangeRequest.objects.filter(wizard_id=wizard_id, release__isnull=False)
            .exclude(status="published")
            .values_list("release_id", flat=True)
        )
        history: dict[Any, Any] = {}
        for release in Release.objects.filter(wizard_id=wizard_id).exclude(pk=pointer.release_id).order_by("number"):
            if release.pk in audited or release.pk not in not_published:
                history = addresses.with_release(history, release.snapshot, at=release.published_at)
        live = Release.objects.get(pk=pointer.release_id)
        history = addresses.with_release(history, live.snapshot, at=pointer.changed_at)
        addresses.write(wizard_id, history, live.snapshot, address_model=PublicAddress, pointer_model=LiveRelease)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0009_append_only_deletes"),
        ("wizard", "0004_merge_feedback_translation_state"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicAddress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.CharField(help_text="The wizard's slug in the address.", max_length=80)),
                ("path", models.CharField(blank=True, help_text="The step path in the address.", max_length=1000)),
                (
                    "uid",
                    models.CharField(help_text="The step that had the address when it was last live.", max_length=36),
                ),
                ("parent_uid", models.CharField(blank=True, max_length=36)),
                ("live_at", models.DateTimeField(help_text="When the address was last live.")),
                (
                    "answer",
                    models.CharField(choices=[("live", "live"), ("moved", "moved"), ("gone", "removed")], max_length=5),
                ),
                ("live_slug", models.CharField(help_text="The wizard's live slug.", max_length=80)),
                ("target", models.CharField(blank=True, max_length=1000)),
                (
                    "wizard",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="wizard.node"),
                ),
            ],
            options={
                "verbose_name": "public address",
                "verbose_name_plural": "public addresses",
                "constraints": [models.UniqueConstraint(fields=("slug", "path"), name="unique_public_address")],
            },
        ),
        migrations.RunPython(project_past_releases, migrations.RunPython.noop),
    ]
