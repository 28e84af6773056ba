"""Finding what a reference may name, in the database: the step form's choosers, its check as one types, and the
"did you mean …" of a near miss.

Every function here reads a bounded number of rows in a bounded number of queries, whatever the wizard's size: a
step path is resolved one level at a time (one query a level), a suggestion is looked for among the children of
the deepest level that exists, and a search is a filtered, limited query. Nothing loads a whole wizard.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q

from wizard import markdown, references
from wizard.markdown import close_match, did_you_mean
from wizard.models import MARKDOWN_FIELDS, LinkTarget, Node

# How many rows a suggestion reads at most: the children of one step, or the link targets' keys.
CANDIDATES_MAX = 2000
# How many references of one text are resolved; past that, the save-time check still sees them all.
REFERENCES_MAX = 100
SEARCH_WORDS_MAX = 5
# How many steps may match one word through their ancestors ("local manager" finds the local manager's tasks).
ANCESTORS_MAX = 50


@dataclass(frozen=True)
class Problem:
    """What is wrong with one reference of a text, and the reference the editor probably meant."""

    message: str
    target: str = ""  # the reference as written: "node:a/b" or "link:key"
    suggestion: str = ""  # "node:a/b" or "link:key", empty when nothing is close


# Steps -----------------------------------------------------------------------------------------------------------


def _slugs(path: str) -> list[str]:
    return [slug for slug in path.strip().strip("/").split("/") if slug]


def resolve(wizard: Node, paths: set[str]) -> dict[str, Node]:
    """The steps of `wizard` at these step paths (those that exist): one query per level of the deepest path."""
    wanted = [_slugs(path) for path in paths if _slugs(path)]
    found: dict[tuple[str, ...], Node] = {(): wizard}
    for depth in range(1, max((len(slugs) for slugs in wanted), default=0) + 1):
        asked = {tuple(slugs[:depth]) for slugs in wanted if len(slugs) >= depth and tuple(slugs[: depth - 1]) in found}
        if not asked:
            break
        query = Q()
        for prefix in asked:
            parent = found[prefix[:-1]]
            query |= Q(path__startswith=parent.path, depth=parent.depth + 1, slug=prefix[-1])
        by_place = {(node.path[: -node.steplen], node.slug): node for node in Node.objects.filter(query)}
        for prefix in asked:
            node = by_place.get((found[prefix[:-1]].path, prefix[-1]))
            if node is not None:
                found[prefix] = node
    return {"/".join(prefix): node for prefix, node in found.items() if prefix}


def suggest_path(wizard: Node, path: str) -> str | None:
    """The existing step path closest to `path`, level by level: a mistyped slug is replaced by the closest slug
    among its would-be siblings. None when a level has nothing close."""
    node, chosen = wizard, []
    for slug in _slugs(path):
        children = Node.objects.get_children(node)
        child = children.filter(slug=slug).first()
        if child is None:
            names = list(children.values_list("slug", flat=True)[:CANDIDATES_MAX])
            close = close_match(slug, names)
            if close is None:
                return None
            child = children.filter(slug=close).first()
        chosen.append(child.slug)
        node = child
    return "/".join(chosen) if chosen else None


# Link targets ----------------------------------------------------------------------------------------------------


def existing_keys(keys: set[str]) -> set[str]:
    return set(LinkTarget.objects.filter(key__in=keys).values_list("key", flat=True)) if keys else set()


def suggest_key(key: str) -> str | None:
    return close_match(key, list(LinkTarget.objects.order_by("key").values_list("key", flat=True)[:CANDIDATES_MAX]))


# Checking texts as one types ---------------------------------------------------------------------------------------


def check_texts(wizard: Node | None, texts: dict[str, str]) -> dict[str, list[Problem]]:
    """The reference problems of each text (by form field name), with a suggestion for each near miss.

    The same sentences as the save-time check (`markdown.problems`), read in a few queries: only what the texts
    name is looked up, never the whole wizard.
    """
    refs = {name: markdown.references(text)[:REFERENCES_MAX] for name, text in texts.items()}
    typed = {ref.target for found in refs.values() for ref in found if ref.kind == "node"}
    uids = {target for target in typed if references.is_uid(target)}
    known_uids = set()
    if uids and wizard is not None:
        steps = Node.objects.filter(uid__in=uids, path__startswith=wizard.path)
        known_uids = {str(uid) for uid in steps.values_list("uid", flat=True)}
    paths = set(resolve(wizard, typed - uids)) if wizard is not None else set()
    keys = existing_keys({ref.target for found in refs.values() for ref in found if ref.kind == "link"})
    found: dict[str, list[Problem]] = {}
    for name, text in texts.items():
        messages = markdown.problems(text, link_keys=keys, node_paths=paths | known_uids)
        if not messages:
            continue
        missing = [
            ref
            for ref in refs[name]
            if (ref.kind == "link" and ref.target not in keys)
            or (ref.kind == "node" and ref.target not in paths | known_uids)
        ]
        problems = []
        for message in messages:
            suggestion, target = "", ""
            ref = next((ref for ref in missing if f"“{ref.target}”" in message), None)
            if ref is not None and ref.kind == "link" and (close := suggest_key(ref.target)):
                suggestion = f"{markdown.LINK_SCHEME}{close}"
            elif ref is not None and ref.kind == "node" and wizard is not None:
                close = suggest_path(wizard, ref.target)
                suggestion = f"{markdown.NODE_SCHEME}{close}" if close else ""
            if ref is not None:
                target = ref.href.strip()
            problems.append(Problem(message + did_you_mean(suggestion), target, suggestion))
        found[name] = problems
    return found


def markdown_columns() -> list[str]:
    return [f"{name}_{lang}" for name in MARKDOWN_FIELDS for lang in settings.WIZARD_LANGUAGES]


# Searching, for the choosers --------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s/]+", text.strip()) if word][:SEARCH_WORDS_MAX]


def search_steps(wizard: Node, text: str, *, limit: int = 20) -> list[dict[str, str]]:
    """Steps of `wizard` each of whose words is in their slug, French title or label, or in an ancestor's (the
    profile a task belongs to): path, title and the parent's title. A bounded number of queries and rows."""
    within = Node.objects.filter(path__startswith=wizard.path, depth__gt=wizard.depth)
    query = within
    for word in _words(text):
        own = Q(slug__icontains=word) | Q(title_fr__icontains=word) | Q(label_fr__icontains=word)
        parents = within.filter(own, numchild__gt=0).values_list("path", flat=True)[:ANCESTORS_MAX]
        below = Q()
        for parent in parents:
            below |= Q(path__startswith=parent, depth__gt=len(parent) // Node.steplen)
        query = query.filter(own | below)
    nodes = list(query.order_by("path")[:limit])
    ancestors = {node.path[:end] for node in nodes for end in range(2 * node.steplen, len(node.path), node.steplen)}
    rows = Node.objects.filter(path__in=ancestors).values_list("path", "slug", "title_fr")
    by_path = {path: (slug, title) for path, slug, title in rows}
    by_path.update((node.path, (node.slug, node.title_fr)) for node in nodes)
    results = []
    for node in nodes:
        steps = range(2 * node.steplen, len(node.path) + 1, node.steplen)
        parent = node.path[: -node.steplen]
        results.append(
            {
                "path": "/".join(by_path[node.path[:end]][0] for end in steps),
                "title": node.title_fr or "",
                "within": by_path[parent][1] if parent in by_path else "",
                "kind": node.kind,
            }
        )
    return results


def search_links(text: str, *, limit: int = 20) -> list[dict[str, str]]:
    """Link targets whose key, name (any language) or address contains each word: key, French name, domain."""
    query = LinkTarget.objects.all()
    languages = settings.WIZARD_LANGUAGES
    for word in _words(text):
        matches = Q(key__icontains=word)
        for lang in languages:
            matches |= Q(**{f"name_{lang}__icontains": word}) | Q(**{f"url_{lang}__icontains": word})
        query = query.filter(matches)
    return [
        {"key": target.key, "name": target.name_fr or target.key, "domain": _domain(target.url_fr)}
        for target in query.order_by("key")[:limit]
    ]


def _domain(url: str | None) -> str:
    return urlsplit(url or "").hostname or ""
