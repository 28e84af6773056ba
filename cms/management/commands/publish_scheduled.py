from typing import Any

from django.core.management.base import BaseCommand

from cms import workflow


class Command(BaseCommand):
    help = (
        "Publish every approved change whose time has come (run it from cron, e.g. every minute). "
        "Safe to run again or twice at once: a change goes live once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for change in workflow.publish_scheduled():
            self.stdout.write(f"published {change.wizard.slug}: request {change.pk}")
