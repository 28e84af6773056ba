"""Two cron jobs at once on the demo's SQLite file: real processes, one database file, one publication."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection  # noqa: F401 - read by the skipif condition

ROOT = Path(__file__).resolve().parents[2]
PREPARE = """
from datetime import timedelta
import reversion
from django.utils import timezone
from cms import workflow
from cms.models import ChangeRequest
from tests import factories
from wizard.models import Node, wizard_step_paths
wizard = Node.objects.wizards().get()
editor, reviewer = factories.make_user("editor", "Editors"), factories.make_user("reviewer", "Reviewers")
step = wizard_step_paths(wizard)["contact"]
with reversion.create_revision():
    step.title_fr = "Contact (nouveau)"
    step.save()
    reversion.set_user(editor)
change = workflow.submit(wizard, author=editor)
workflow.approve(change, reviewer=reviewer, publish_at=timezone.now() + timedelta(hours=1))
ChangeRequest.objects.update(publish_at=timezone.now() - timedelta(seconds=1))
"""
REPORT = """
from cms.models import AuditEntry, LiveRelease
published = AuditEntry.objects.filter(action="publish", change_request__isnull=False)  # not the import's
print(published.count(), LiveRelease.objects.get().release.number)
"""


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the SQLite variant of the PostgreSQL thread tests")
def test_two_publish_scheduled_processes_at_once_publish_once(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "AXES_ENABLED": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)

    manage("migrate", "-v0")
    manage("importwizard", "fixtures/egov-roles.yaml", "--publish")
    manage("shell", "--no-imports", "-c", PREPARE)
    command = [sys.executable, "manage.py", "publish_scheduled"]
    jobs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [job.communicate(timeout=60)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0]
    assert sorted(outputs) == ["", "published egov-roles: request 1\n"]
    assert manage("shell", "--no-imports", "-c", REPORT).stdout.split() == ["1", "2"]
