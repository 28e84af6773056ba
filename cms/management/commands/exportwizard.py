from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from wizard import exchange
from wizard.models import Node


class Command(BaseCommand):
    help = "Write a wizard's draft, with the link targets it uses, in the exchange format (to stdout or -o FILE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument("-o", "--output", type=Path, metavar="FILE")

    @no_translations  # messages in one language, English, like the rest of the command
    def handle(self, *args: Any, **options: Any) -> None:
        wizard = Node.objects.wizards().filter(slug=options["slug"]).first()
        if wizard is None:
            known = ", ".join(Node.objects.wizards().values_list("slug", flat=True)) or "none"
            raise CommandError(f"No wizard “{options['slug']}” (wizards: {known}).", returncode=2)
        text = exchange.to_text(exchange.dump(wizard))
        output: Path | None = options["output"]
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
