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


def step_at(address: str) -> Node | None:
    """The step at "wizard-slug/step/path" (the wizard itself for its slug alone), or None: one query a level."""
    slugs = [slug for slug in address.strip().strip("/").split("/") if slug]
    node = Node.objects.wizards().filter(slug=slugs[0]).first() if slugs else None
    for slug in slugs[1:]:
        if node is None:
            return None
        node = Node.objects.get_children(node).filter(slug=slug).first()
    return node


def addresses(nodes: list[Node]) -> list[str]:
    """Each node's "wizard-slug/step/path", reading all their ancestors' slugs in one query."""
    ancestors = {node.path[:end] for node in nodes for end in range(node.steplen, len(node.path), node.steplen)}
    slugs = dict(Node.objects.filter(path__in=ancestors).values_list("path", "slug"))
    slugs.update((node.path, node.slug) for node in nodes)
    return [
        "/".join(slugs.get(node.path[:end], "?") for end in range(node.steplen, len(node.path) + 1, node.steplen))
        for node in nodes
    ]


def search(text: str, *, limit: int = 20) -> list[tuple[str, Node]]:
    """Steps whose slug or French title contains `text`, or whose address starts with it, in tree order."""
    text = text.strip().strip("/")
    if not text:
        return []
    last = text.rsplit("/", 1)[-1]
    if "/" in text and (exact := step_at(text.rsplit("/", 1)[0])) is not None:
        # "egov-roles/profiles/u": the children of "egov-roles/profiles" whose slug starts so.
        found = list(Node.objects.get_children(exact).filter(slug__startswith=last)[:limit])
    else:
        matching = Node.objects.filter(Q(slug__icontains=last) | Q(title_fr__icontains=last))
        found = list(matching.order_by("path")[:limit])
    return list(zip(addresses(found), found, strict=True))


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
