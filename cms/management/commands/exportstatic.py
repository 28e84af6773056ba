from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cms import staticsite


class Command(BaseCommand):
    help = (
        "Write the live release of every wizard, in every language, as static HTML and its stylesheet into DIR. "
        "Links are relative: the export works from file:// and from any sub-path of any web server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.add_argument(
            "--base-url",
            default="",
            metavar="URL",
            help="Where the export will be served (https://example.org/wizards): makes hreflang and canonical "
            "links absolute and writes a sitemap.xml.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"Not a directory: {directory}", returncode=2)
        base_url: str = options["base_url"]
        try:
            base_url = staticsite.check_base_url(base_url) if base_url else ""
        except ValueError as error:
            raise CommandError(f"--base-url: {error}.", returncode=2) from None
        directory.mkdir(parents=True, exist_ok=True)
        done = staticsite.export(directory, base_url=base_url)
        if not done.wizards:
            raise CommandError("No wizard is live: nothing to export.")
        self.stdout.write(f"Exported {done.wizards} wizard(s), {done.pages} page(s) into {directory}.")
