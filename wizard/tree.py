"""Finding steps in the tree by address (what the step form's position chooser searches), and proposing slugs.

Moves are actions.
"""

import re
import unicodedata

from django.db.models import Q
from django.utils.text import slugify

from wizard.models import Node


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


# Letters that Unicode does not decompose into a Latin letter and a mark: "cœur" is "coeur", not "cur".
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
SLUG_LENGTH = 80  # Node.slug's max_length


def slug_from(title: str) -> str:
    """The slug a title proposes, transliterated: "Bénéficiaire effectif" gives "beneficiaire-effectif".

    The step form's script (static/cms/slug-from-title.js) proposes the same as the editor types.
    """
    text = unicodedata.normalize("NFKD", title.translate(LIGATURES))
    return re.sub(r"[-_]+", "-", slugify(text)).strip("-")[:SLUG_LENGTH].rstrip("-")


def unused_slug(title: str, parent: Node | None) -> str:
    """The slug of `title`, with "-2", "-3", … if a sibling under `parent` (None: the wizards) already has it."""
    slug = slug_from(title) or "step"
    siblings = Node.objects.get_children(parent) if parent is not None else Node.objects.wizards()
    taken = set(siblings.filter(slug__startswith=slug[: SLUG_LENGTH - 4]).values_list("slug", flat=True))
    number, found = 2, slug
    while found in taken:
        suffix = f"-{number}"
        found, number = slug[: SLUG_LENGTH - len(suffix)].rstrip("-") + suffix, number + 1
    return found
