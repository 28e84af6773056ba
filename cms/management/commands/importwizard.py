from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.db import transaction

from cms import releases
from wizard import exchange, translations
from wizard.models import Node


class Command(BaseCommand):
    help = (
        "Import a wizard from an exchange file (docs/exchange-format.md), replacing the draft of a wizard with the "
        "same slug. Checks the whole file first: on any problem nothing is written. --publish also makes it live."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--publish", action="store_true", help="create a release of the import and make it live")

    @no_translations  # messages in one language, English, like the rest of the command
    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        try:
            document = exchange.read(path.read_bytes())
            with transaction.atomic():
                wizard = exchange.load(document, comment=f"Imported from {path.name}")
                translations.record_changed(wizard)  # the file's new or changed translations follow its French text
                if options["publish"]:
                    release = releases.create(wizard, user=None, note=f"Imported from {path.name}")
                    releases.make_live(release)
        except exchange.ExchangeError as error:
            lines = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(f"{path}: nothing was imported.\n{lines}") from None
        except (translations.MissingTranslations, releases.SlugTaken) as error:
            raise CommandError(f"{path}: nothing was imported or published. {error}") from None
        steps = Node.objects.get_descendants(wizard).count()
        self.stdout.write(f"Imported “{wizard.slug}”: {steps} steps, {len(document.get('links') or [])} link targets.")
        if options["publish"]:
            self.stdout.write(f"Published as release #{release.number}; it is live.")
