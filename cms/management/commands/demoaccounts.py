from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser

# Demo only: known passwords, printed at start. Never run this on a production database.
ACCOUNTS = {
    "editor": ("Editors", "editor-demo-password"),
    "reviewer": ("Reviewers", "reviewer-demo-password"),
    "translator": ("Translators", "translator-demo-password"),
}


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts editor, reviewer and translator, and print their passwords."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="do not print the passwords")

    def handle(self, *args: Any, **options: Any) -> None:
        for username, (group_name, password) in ACCOUNTS.items():
            # The groups and their permissions come from migration cms 0007_groups.
            group = Group.objects.filter(name=group_name).first()
            if group is None:
                raise CommandError(f"The group {group_name} is missing: run `manage.py migrate` first.")
            user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.set([group])
            if not options["quiet"]:
                self.stdout.write(f"  {group_name[:-1]:<11} login: {username:<11} password: {password}")
