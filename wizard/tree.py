"""Editorial actions on the wizard tree that keep it whole: placement rules, moves and the references they touch."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from wizard import markdown
from wizard.models import MARKDOWN_FIELDS, LinkTarget, Node, wizard_step_paths


def parent_for(reference: Node | None, position: str) -> Node | None:
    """The parent a node gets when treebeard places it at `position` relative to `reference`."""
    if reference is None:
        return None
    if position in {"first-child", "last-child", "sorted-child", "child"}:
        return reference
    return Node.objects.get_parent(reference)


def check_move(node: Node, parent: Node | None) -> None:
    """Refuse a move that would leave the tree or its references broken; moves stay inside one wizard."""
    if parent is None or parent.get_wizard().pk != node.get_wizard().pk:
        raise ValidationError("A step moves within its own wizard; create the step again in the other wizard.")
    current = Node.objects.get_parent(node)
    if current is None or current.pk != parent.pk:
        node.validate_placement(parent, references=False)


def referrers(node: Node) -> list[Node]:
    """The steps of the node's wizard whose body or note link to it or to a step below it."""
    wizard, path = node.get_wizard(), node.get_step_path()
    if not path:
        return []
    query = Q()
    for name in MARKDOWN_FIELDS:
        for lang in settings.WIZARD_LANGUAGES:
            query |= Q(**{f"{name}_{lang}__contains": f"{markdown.NODE_SCHEME}{path}"})
    subtree = Node.objects.get_descendants(node, include_self=True).values_list("pk", flat=True)
    candidates = Node.objects.get_tree(wizard).filter(query).exclude(pk__in=list(subtree))
    return [
        candidate
        for candidate in candidates
        if any(
            ref.kind == "node" and (ref.target == path or ref.target.startswith(f"{path}/"))
            for name in MARKDOWN_FIELDS
            for lang in settings.WIZARD_LANGUAGES
            for ref in markdown.references(getattr(candidate, f"{name}_{lang}") or "")
        )
    ]


@transaction.atomic
def rewrite_references(wizard: Node, old_path: str, new_path: str) -> list[Node]:
    """After a step moved or changed slug, point every `node:` reference to it (or below it) at its new path."""
    if not old_path or old_path == new_path:
        return []
    pattern = re.compile(rf"\({re.escape(markdown.NODE_SCHEME)}{re.escape(old_path)}(?=[/)\s])")
    changed = []
    for node in Node.objects.get_tree(wizard):
        touched = False
        for name in MARKDOWN_FIELDS:
            for lang in settings.WIZARD_LANGUAGES:
                column = f"{name}_{lang}"
                text = getattr(node, column) or ""
                rewritten = pattern.sub(f"({markdown.NODE_SCHEME}{new_path}", text)
                if rewritten != text:
                    setattr(node, column, rewritten)
                    touched = True
        if touched:
            node.save()
            changed.append(node)
    return changed


def broken_references(wizard: Node) -> dict[str, list[str]]:
    """Problems of every step's references, by step path; empty when the wizard is whole."""
    steps = wizard_step_paths(wizard)
    keys = set(LinkTarget.objects.values_list("key", flat=True))
    found: dict[str, list[str]] = {}
    for path, node in [("", wizard), *steps.items()]:
        for name in MARKDOWN_FIELDS:
            for lang in settings.WIZARD_LANGUAGES:
                for message in markdown.problems(
                    getattr(node, f"{name}_{lang}") or "", link_keys=keys, node_paths=set(steps)
                ):
                    found.setdefault(path, []).append(f"{name} ({lang}): {message}")
    return found
