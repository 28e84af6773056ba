from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cms import actions
from wizard import xliff


class Command(BaseCommand):
    help = (
        "Read translations back from an XLIFF 1.2 file made by exporttranslations. Every acceptable unit is "
        "written (in one transaction) and each refused one reported: its French changed since the export, or its "
        "translation breaks a link:/node: reference or a field's rule. Exit 0: all fine; 1: some units refused; "
        "2: bad usage or a file that cannot be read (nothing written)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--user", metavar="USERNAME", help="who the import is recorded under (history, states)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user “{options['user']}”.", returncode=2)
        try:
            document = xliff.read(path.read_bytes())
            result = actions.import_translations(
                document, user=user, dry_run=options["dry_run"], comment=f"Imported translations from {path.name}"
            )
        except xliff.XliffError as error:
            lines = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(f"{path}: nothing was imported.\n{lines}", returncode=2) from None
        except actions.ActionError as error:
            raise CommandError(f"{path}: nothing was imported.\n  - {error}", returncode=2) from None
        for outcome in result.outcomes:
            if options["verbosity"] > 1 or outcome.result in (xliff.REFUSED, xliff.WRITTEN, xliff.CONFIRMED):
                self.stdout.write(str(outcome))
        self.stdout.write(result.summary())
        if result.refused:
            rest = "nothing was written (dry run)" if options["dry_run"] else "the others were imported"
            raise CommandError(f"{len(result.refused)} unit(s) refused; {rest}.", returncode=1)
