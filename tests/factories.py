"""Plain functions that make test data. Wizards are built through the importer, as real content is."""

import copy
from typing import Any

import reversion
from django.contrib.auth.models import Group, Permission, User

from cms import releases
from cms.models import Release
from wizard import exchange, translations
from wizard.models import Node, wizard_step_paths

LINKS = [
    {
        "key": "contact-center",
        "name": {"fr": "Centre de contact", "nl": "Contactcenter"},
        "url": {
            "fr": "https://www.example.org/fr/contact",
            "nl": "https://www.example.org/nl/contact",
        },
    },
    {
        "key": "portal",
        "name": {"fr": "Portail"},
        "url": {"fr": "https://portal.example.org/?lang=fr"},
    },
]


def step(slug: str, kind: str = "task", children: list[dict[str, Any]] | None = None, **texts: Any) -> dict[str, Any]:
    """A node entry of an exchange document; texts default to a French title made from the slug."""
    entry: dict[str, Any] = {"slug": slug, "kind": kind, "title": {"fr": f"Titre {slug}", "nl": f"Titel {slug}"}}
    entry.update({name: value if isinstance(value, dict) else {"fr": value} for name, value in texts.items()})
    if children:
        entry["children"] = children
    return entry


def document(slug: str = "demo", children: list[dict[str, Any]] | None = None, **texts: Any) -> dict[str, Any]:
    """A small wizard: a profile choice with two profiles, each with tasks, and an information page."""
    if children is None:
        children = [
            step(
                "profiles",
                "choice",
                [
                    step(
                        "citizen",
                        "choice",
                        [
                            step("apply", body="Contactez [le centre](link:contact-center)."),
                            step("renew", body="Voir [demander](node:profiles/citizen/apply)."),
                        ],
                        label="Citoyen",
                    ),
                    step("company", "choice", [step("apply", body="[Portail](link:portal)")], label="Entreprise"),
                ],
                label="Commencer",
            ),
            step("contact", "info", body="Appelez [le centre](link:contact-center)."),
        ]
    root = step(slug, "start", children, **texts)
    return {"format": exchange.FORMAT, "wizard": root, "links": copy.deepcopy(LINKS), "end": slug}


def make_wizard(slug: str = "demo", **kwargs: Any) -> Node:
    wizard = exchange.load(document(slug, **kwargs))
    translations.record_changed(wizard)
    return wizard


def publish(wizard: Node, user: User | None = None, note: str = "") -> Release:
    release = releases.create(wizard, user=user, note=note)
    releases.make_live(release)
    return release


def make_user(username: str, *groups: str, staff: bool = True, superuser: bool = False) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "a-long-test-password")
    user.is_staff, user.is_superuser = staff, superuser
    user.save()
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def edit(wizard: Node, path: str, user: User | None = None, **columns: Any) -> Node:
    """Change a step (the wizard itself for path "") as the admin does: inside a revision, by `user`."""
    node = wizard_step_paths(wizard)[path] if path else wizard
    with reversion.create_revision():
        for column, value in columns.items():
            setattr(node, column, value)
        node.save()
        reversion.set_user(user)
    return node


def permissions(*names: str) -> list[Permission]:
    """Permissions by "app.codename"."""
    return [
        Permission.objects.get(content_type__app_label=name.split(".")[0], codename=name.split(".")[1])
        for name in names
    ]


def grow(wizard: Node, steps: int, *, section: str = "more") -> Node:
    """Add a section of `steps` tasks to a wizard, through the importer (every other task in four languages)."""
    languages = ("fr", "nl", "de", "en")
    tasks = [
        {
            "slug": f"task-{n}",
            "kind": "task",
            "title": {lang: f"Tâche {n} ({lang})" for lang in languages[: 4 if n % 2 else 2]},
            "body": dict.fromkeys(languages[: 4 if n % 2 else 2], f"Voir [le centre](link:contact-center), {n}."),
        }
        for n in range(steps)
    ]
    document = exchange.dump(wizard)
    document["wizard"].setdefault("children", []).append(
        {"slug": section, "kind": "choice", "title": {"fr": section, "nl": section}, "children": tasks}
    )
    wizard = exchange.load(document)
    translations.record_changed(wizard)
    return wizard
