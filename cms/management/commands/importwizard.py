import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.db import transaction

from cms import actions
from wizard import exchange
from wizard.models import Node


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        return "unknown"


class Command(BaseCommand):
    help = (
        "Import a wizard from an exchange file (docs/exchange-format.md), replacing the draft of a wizard with the "
        "same slug. Checks the whole file first: on any problem nothing is written. --publish also makes it live "
        "(a wizard's first release only; after that, changes go through review)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--publish", action="store_true", help="create a release of the import and make it live")
        parser.add_argument("--operator", metavar="NAME", help="who publishes, for the audit log (default: OS user)")
        parser.add_argument("--reason", metavar="TEXT", help="why it is published without review, for the audit log")

    @no_translations  # messages in one language, English, like the rest of the command
    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        operator = options["operator"] or os_user()
        reason = options["reason"] or f"First release, imported from {path.name}."
        try:
            document = exchange.parse(path.read_bytes())  # import_wizard's load() checks it, once
        except exchange.ExchangeError as error:
            lines = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(f"{path}: nothing was imported.\n{lines}") from None
        try:
            with transaction.atomic():
                comment = f"Imported from {path.name} by {operator}"
                wizard = actions.import_wizard(document, user=None, operator=operator, comment=comment)
                if options["publish"]:
                    release = actions.publish_import(wizard, user=None, operator=operator, reason=reason)
        except actions.ActionError as error:
            raise CommandError(f"{path}: nothing was imported or published. {error}") from None
        steps = Node.objects.get_descendants(wizard).count()
        self.stdout.write(f"Imported “{wizard.slug}”: {steps} steps, {len(document.get('links') or [])} link targets.")
        if options["publish"]:
            self.stdout.write(f"Published as release #{release.number} by {operator}; it is live.")
