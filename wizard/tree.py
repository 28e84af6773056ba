"""Finding steps in the tree by address: what the step form's position chooser searches. Moves are actions."""

from django.db.models import Q

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
