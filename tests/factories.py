"""Plain functions that make test data.

`make_wizard` writes a wizard straight into the tables (one bulk insert of its steps), with the translation state
an import leaves and no history; `record_history` adds the first version where a test needs one. `import_wizard`
builds the same wizard through the importer, for the tests of the exchange format and of importing.
"""

import copy
from typing import Any

import reversion
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User

from cms import actions, releases
from cms.models import Release
from wizard import exchange, markdown, references, translations
from wizard.models import MARKDOWN_FIELDS, LinkTarget, Node, wizard_step_paths

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


def make_wizard(slug: str = "demo", *, links: list[dict[str, Any]] | None = None, **kwargs: Any) -> Node:
    """The wizard of `document(slug, **kwargs)`, written directly: what `import_wizard` makes, in a few queries.

    The same rows (steps, link targets, translation states) as an import, without the import's checks and
    without a version in the history: add `record_history` when a test reverts or recovers. `links` replaces the
    document's link targets.
    """
    doc = document(slug, **kwargs)
    if links is not None:
        doc["links"] = links
    targets = _link_targets(doc["links"])
    steps = list(exchange.walk(doc["wizard"]))
    for step in steps:
        step.node = exchange.node_instance(step.entry)
    wizard = Node.objects.add_root(instance=steps[0].node)
    for step in steps[1:]:
        siblings = step.parent.children
        step.node.depth = step.depth
        step.node.path = Node._get_path(step.parent.node.path, step.depth, siblings.index(step) + 1)
        step.node.numchild = len(step.children)
    wizard.numchild = len(steps[0].children)
    wizard.save(update_fields=["numchild"])
    # As an import does: node: references stored by the target's uid, and the reference index (wizard/references.py).
    paths = {str(step.node.uid): step.step_path for step in steps[1:]}
    for node in (step.node for step in steps):
        for column in (f"{name}_{lang}" for name in MARKDOWN_FIELDS for lang in settings.WIZARD_LANGUAGES):
            setattr(node, column, references.to_uids(getattr(node, column) or "", paths))
    wizard.save()
    Node.objects.bulk_create([step.node for step in steps[1:]])
    references.reindex_wizard(wizard)
    # What record_changed does after an import: every node, and the link targets the texts use.
    nodes = [step.node for step in steps]
    used = {
        ref.target
        for node in nodes
        for name in MARKDOWN_FIELDS
        for lang in settings.WIZARD_LANGUAGES
        for ref in markdown.references(getattr(node, f"{name}_{lang}") or "")
        if ref.kind == "link"
    }
    subjects = [*nodes, *(target for key, target in sorted(targets.items()) if key in used)]
    translations.record(entry for subject in subjects for entry in translations.every_field(subject))
    return wizard


def _link_targets(entries: list[dict[str, Any]]) -> dict[str, LinkTarget]:
    """The document's link targets by key, created, or updated as an import updates them."""
    existing = LinkTarget.objects.in_bulk([entry["key"] for entry in entries], field_name="key")
    targets = {entry["key"]: exchange.link_instance(entry, existing.get(entry["key"])) for entry in entries}
    for key in existing:
        targets[key].save()
    LinkTarget.objects.bulk_create([target for key, target in targets.items() if key not in existing])
    return targets


def make_content(links: dict[str, dict[str, str]], bodies: dict[str, Any], slug: str = "demo") -> Node:
    """A wizard whose link targets are `links` ({key: {lang: url}}) and whose tasks have the given bodies."""
    children = [step(name, body=body) for name, body in bodies.items()]
    entries = [{"key": key, "name": {"fr": key}, "url": urls} for key, urls in links.items()]
    return make_wizard(slug, children=children, links=entries)


def import_wizard(slug: str = "demo", **kwargs: Any) -> Node:
    """The wizard of `document(slug, **kwargs)` through the import action, as `importwizard` does: checks, history,
    translation states, audit."""
    return actions.import_wizard(document(slug, **kwargs), user=None)


def record_history(wizard: Node, user: User | None = None) -> None:
    """A first version of the wizard's steps and link targets, as an import leaves: something to revert to."""
    with reversion.create_revision():
        reversion.set_comment("Imported from an exchange file.")
        reversion.set_user(user)
        for target in LinkTarget.objects.all():
            reversion.add_to_revision(target)
        for node in Node.objects.get_tree(wizard):
            reversion.add_to_revision(node)


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
