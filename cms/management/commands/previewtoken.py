from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cms import preview
from wizard.models import Node


class Command(BaseCommand):
    help = (
        "Print a preview token for a wizard's current draft, and the API address that shows the draft with it. "
        "It expires after PREVIEW_LINK_MAX_AGE seconds (3 days unless set)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the wizard's slug, e.g. egov-roles")

    def handle(self, *args: Any, **options: Any) -> None:
        wizard = Node.objects.wizards().filter(slug=options["slug"]).first()
        if wizard is None:
            raise CommandError(f"No wizard “{options['slug']}”.", returncode=2)
        token = preview.make_token(wizard)
        self.stdout.write(token)
        self.stdout.write(f"{settings.SITE_URL}/api/v1/wizards/{wizard.slug}/?release=draft&token={token}")
