from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wizard import translations, xliff
from wizard.models import Node


class Command(BaseCommand):
    help = (
        "Write the fields of a wizard that need translating into one language (missing or outdated; every field "
        "with --all) as an XLIFF 1.2 file for translation tools, to stdout or -o FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument("--lang", required=True, choices=translations.target_languages(), help="target language")
        parser.add_argument("--all", action="store_true", help="every translated field, up to date ones included")
        parser.add_argument("-o", "--output", type=Path, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        wizard = Node.objects.wizards().filter(slug=options["slug"]).first()
        if wizard is None:
            known = ", ".join(Node.objects.wizards().values_list("slug", flat=True)) or "none"
            raise CommandError(f"No wizard “{options['slug']}” (wizards: {known}).", returncode=2)
        data = xliff.export(wizard, options["lang"], everything=options["all"])
        output: Path | None = options["output"]
        if output:
            output.write_bytes(data)
            units = data.count(b"<trans-unit ")
            self.stderr.write(f"Wrote {units} unit(s) for {wizard.slug} ({options['lang']}) to {output}.")
        else:
            self.stdout.write(data.decode(), ending="")
