"""`node:` references by identity, and the reference index.

Editors type and read `node:profiles/user/apply`; the database stores `node:<uid>` (the target step's `uid`), so
that renaming or moving a step never rewrites anyone's text. The exchange file, XLIFF files, releases and the admin's
forms show paths: `to_paths` and `to_uids` convert at those boundaries, and leave a reference they cannot resolve as
it is (validation reports it).

The index (`wizard.models.Reference`) says which field, in which language, of which step refers to which step or link
target. Actions keep it current with `reindex` after every write of a step's text; "where used", the refusal to
delete a referenced step or link target and the broken-reference check read it instead of scanning texts.
"""

import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Q

from wizard import markdown
from wizard.models import MARKDOWN_FIELDS, LinkTarget, Node, Reference, wizard_step_paths

# A node: link's destination as written in Markdown, "(node:…" up to the closing parenthesis, a space or ">".
_NODE_HREF = re.compile(r"(\(\s*<?)node:([^)\s>]*)")
_UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_uid(target: str) -> bool:
    return bool(_UID.match(target))


def _replace(text: str, mapping: Mapping[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        target = match.group(2).strip().strip("/")
        return f"{match.group(1)}{markdown.NODE_SCHEME}{mapping[target]}" if target in mapping else match.group(0)

    return _NODE_HREF.sub(swap, text) if text and markdown.NODE_SCHEME in text else text


def paths_by_uid(wizard: Node) -> dict[str, str]:
    """Each step of a wizard: uid → step path. One query."""
    return {str(node.uid): path for path, node in wizard_step_paths(wizard).items()}


def paths_of(text: str) -> dict[str, str]:
    """uid → step path of the steps a text names by uid: two indexed queries, whatever the wizard's size."""
    uids = [target for _opening, target in _NODE_HREF.findall(text or "") if is_uid(target.strip().strip("/"))]
    nodes = list(Node.objects.filter(uid__in=[target.strip().strip("/") for target in uids])) if uids else []
    ancestors = {node.path[:end] for node in nodes for end in range(2 * node.steplen, len(node.path), node.steplen)}
    slugs = dict(Node.objects.filter(path__in=ancestors).values_list("path", "slug")) if ancestors else {}
    slugs.update((node.path, node.slug) for node in nodes)
    return {
        str(node.uid): "/".join(
            slugs[node.path[:end]] for end in range(2 * node.steplen, len(node.path) + 1, node.steplen)
        )
        for node in nodes
    }


def to_paths(text: str, paths: Mapping[str, str]) -> str:
    """Stored text → what an editor reads: `node:<uid>` becomes `node:<step path>` (`paths`: uid → path)."""
    return _replace(text, paths)


def to_uids(text: str, paths: Mapping[str, str]) -> str:
    """What an editor typed → stored text: `node:<step path>` becomes `node:<uid>` (`paths`: uid → path)."""
    return _replace(text, {path: uid for uid, path in paths.items()})


def known_targets(wizard: Node) -> set[str]:
    """What a `node:` reference of this wizard may name: a step path or a step uid."""
    paths = paths_by_uid(wizard)
    return {*paths, *paths.values()}


# The index ------------------------------------------------------------------------------------------------------


def found_in(node: Node) -> list[dict[str, Any]]:
    """The index values of one step's stored texts: field, language and target of each reference."""
    found = []
    for name in MARKDOWN_FIELDS:
        for lang in settings.WIZARD_LANGUAGES:
            for ref in markdown.references(getattr(node, f"{name}_{lang}") or ""):
                row: dict[str, Any] = {"field": name, "language": lang}
                if ref.kind == "link":
                    row["target_key"] = ref.target[:80]
                elif ref.kind == "node" and is_uid(ref.target):
                    row["target_uid"] = uuid.UUID(ref.target)
                elif ref.kind == "node":
                    row["target_path"] = ref.target[:1000]  # a path no step has (or not yet): a broken reference
                else:
                    continue
                found.append(row)
    return found


def reindex(nodes: Iterable[Node]) -> None:
    """Write the index rows of these steps again, from their stored texts."""
    nodes = [node for node in nodes if node.pk]
    Reference.objects.filter(source__in=[node.pk for node in nodes]).delete()
    Reference.objects.bulk_create([Reference(source=node, **row) for node in nodes for row in found_in(node)])


def reindex_wizard(wizard: Node) -> None:
    reindex(Node.objects.get_tree(wizard))


def referrers(node: Node) -> list[Node]:
    """The steps outside the node's subtree whose body or note refer to it or to a step below it."""
    # The subtree read first, on its own: as nested subqueries, PostgreSQL with a test database's empty statistics
    # chose a plan that scanned the reference table once per step (minutes for a few hundred steps).
    subtree = dict(Node.objects.get_descendants(node, include_self=True).values_list("pk", "uid"))
    found = Reference.objects.filter(target_uid__in=list(subtree.values())).exclude(source__in=list(subtree))
    return list(Node.objects.filter(pk__in=list(found.values_list("source", flat=True).distinct())).order_by("path"))


def broken(wizard: Node) -> dict[str, list[str]]:
    """The references of a wizard's steps that name no step of the wizard or no link target, by step path."""
    steps = {node.pk: path for path, node in wizard_step_paths(wizard).items()}
    steps[wizard.pk] = ""
    uids = set(Node.objects.get_tree(wizard).values_list("uid", flat=True))
    keys = set(LinkTarget.objects.values_list("key", flat=True))
    rows = Reference.objects.filter(source__in=list(steps)).filter(
        Q(target_uid__isnull=False) | ~Q(target_key="") | ~Q(target_path="")
    )
    found: dict[str, list[str]] = {}
    for row in rows.order_by("source__path", "field", "language"):
        if row.target_key and row.target_key not in keys:
            problem = f"the link target “{row.target_key}” does not exist"
        elif row.target_uid and row.target_uid not in uids:
            problem = f"the step {row.target_uid} is not in this wizard"
        elif row.target_path:
            problem = f"the step “{row.target_path}” does not exist in this wizard"
        else:
            continue
        found.setdefault(steps[row.source_id], []).append(f"{row.field} ({row.language}): {problem}")
    return found
