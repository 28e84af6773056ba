from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand, CommandParser

# Demo only: known passwords, printed at start. Never run this on a production database.
ACCOUNTS = {
    "editor": ("Editors", "editor-demo-password"),
    "reviewer": ("Reviewers", "reviewer-demo-password"),
    "translator": ("Translators", "translator-demo-password"),
}
# What each role may do until the workflow's migration defines the groups fully.
FALLBACK_PERMISSIONS = {
    "Editors": ["wizard"],
    "Reviewers": ["wizard.view_node", "wizard.view_linktarget", "cms"],
    "Translators": ["wizard.view_node", "wizard.change_node", "wizard.view_linktarget", "wizard.change_linktarget"],
}


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts editor, reviewer and translator, and print their passwords."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="do not print the passwords")

    def handle(self, *args: Any, **options: Any) -> None:
        for username, (group_name, password) in ACCOUNTS.items():
            group, created = Group.objects.get_or_create(name=group_name)
            if created:
                group.permissions.set(permissions(FALLBACK_PERMISSIONS[group_name]))
            user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.add(group)
            if not options["quiet"]:
                self.stdout.write(f"  {group_name[:-1]:<11} login: {username:<11} password: {password}")


def permissions(names: list[str]) -> list[Permission]:
    """Permissions named "app.codename", or every permission of "app"."""
    found = []
    for name in names:
        app, _, codename = name.partition(".")
        query = Permission.objects.filter(content_type__app_label=app)
        found += query.filter(codename=codename) if codename else query
    return found
