"""The wizard map: a snapshot (the draft, a release, a change request) as a left-to-right tree of steps, with the
cross-links between steps, the external destinations its texts send readers to, and each step's status.

Everything here reads; nothing writes. Whatever the wizard's size, building a map costs three queries: the recorded
translation states, the link checker's results and the visitors' feedback.
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from cms.linkcheck import extract
from cms.linkcheck import report as linkreport
from wizard import exchange, markdown, translations
from wizard.models import MARKDOWN_FIELDS, NODE_TEXT_FIELDS, Feedback, TranslationState

TREE, CROSS, EXTERNAL = "tree", "cross", "external"  # the kinds of edge
ADDED, CHANGED, MOVED = "added", "changed", "moved"  # how a step differs from the snapshot it is compared with
# Above this many steps, a map opens with its deeper branches folded: 500 boxes at once are a wall, not a map.
FOLD_ABOVE = 80

# Layout, in SVG user units.
BOX_WIDTH, BOX_HEIGHT = 250, 46
COLUMN, ROW = 300, 58
MARGIN = 12


@dataclass
class Destination:
    """An external place the wizard's texts send readers to: a link target (by key) or a URL written in full."""

    id: str
    label: str
    urls: list[str] = field(default_factory=list)
    status: str | None = None  # the worst link check status of its URLs
    x: int = 0
    y: int = 0
    visible: bool = False


@dataclass
class Step:
    uid: str
    path: str
    slug: str
    kind: str
    title: str
    depth: int
    parent: str | None
    children: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # languages with no translation of some French text
    outdated: list[str] = field(default_factory=list)  # languages whose translation follows an older French text
    link_problems: dict[str, str] = field(default_factory=dict)  # url: "broken" or "unstable"
    change: str = ""  # ADDED, CHANGED, MOVED or ""
    helpful: int = 0
    not_helpful: int = 0
    refers_to: list[str] = field(default_factory=list)  # uids of the steps its texts link to (node:)
    dangling: list[str] = field(default_factory=list)  # node: paths that name no step of the snapshot
    destinations: list[str] = field(default_factory=list)  # Destination ids
    # Set by lay_out().
    x: int = 0
    y: int = 0
    visible: bool = False
    folded: bool = False
    hidden_below: int = 0  # steps hidden under a folded step

    @property
    def has_problem(self) -> bool:
        return bool(self.missing or self.link_problems or self.dangling)

    @property
    def has_warning(self) -> bool:
        return bool(self.outdated)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str  # a step's uid, or a Destination id for EXTERNAL
    kind: str


@dataclass
class Map:
    slug: str
    steps: dict[str, Step]  # by uid, in tree order (the wizard first)
    edges: list[Edge]
    destinations: dict[str, Destination]
    compared: bool  # False when there was nothing to compare with (no live release): no step is marked changed
    width: int = 0
    height: int = 0

    @property
    def root(self) -> Step:
        return next(iter(self.steps.values()))

    def by_path(self) -> dict[str, Step]:
        return {step.path: step for step in self.steps.values()}


def build(snapshot: dict[str, Any], *, compared_to: dict[str, Any] | None = None) -> Map:
    """The map of `snapshot`, each step marked as it differs from `compared_to` (the live release, usually)."""
    walked = list(exchange.walk(snapshot["wizard"]))
    steps: dict[str, Step] = {}
    for item in walked:
        entry = item.entry
        uid = str(entry.get("uid") or item.step_path)
        step = Step(
            uid=uid,
            path=item.step_path,
            slug=str(entry.get("slug", "")),
            kind=str(entry.get("kind", "")),
            title=(entry.get("title") or {}).get(translations.SOURCE_LANGUAGE, "") or item.step_path,
            depth=item.depth,
            parent=str(item.parent.entry.get("uid") or item.parent.step_path) if item.parent else None,
        )
        if step.parent:
            steps[step.parent].children.append(uid)
        step.missing = _missing(entry)
        steps[uid] = step
    found = Map(snapshot["wizard"].get("slug", ""), steps, [], {}, compared=compared_to is not None)
    entries = {step.uid: item.entry for step, item in zip(steps.values(), walked, strict=True)}
    found.edges = [Edge(step.parent, step.uid, TREE) for step in steps.values() if step.parent]
    _cross_links(found, entries)
    _destinations(found, snapshot)
    _outdated(found, entries)
    _feedback(found)
    if compared_to is not None:
        _changes(found, entries, compared_to)
    return found


def _missing(entry: dict[str, Any]) -> list[str]:
    lacking = set()
    for name in NODE_TEXT_FIELDS:
        values = entry.get(name) or {}
        if (values.get(translations.SOURCE_LANGUAGE) or "").strip():
            lacking.update(lang for lang in translations.target_languages() if not (values.get(lang) or "").strip())
    return [lang for lang in translations.target_languages() if lang in lacking]


def _cross_links(found: Map, entries: dict[str, dict[str, Any]]) -> None:
    paths = {step.path: step.uid for step in found.steps.values()}
    for uid, entry in entries.items():
        step = found.steps[uid]
        targets: dict[str, None] = {}
        for name in MARKDOWN_FIELDS:
            for text in (entry.get(name) or {}).values():
                targets.update((ref.target, None) for ref in markdown.references(text) if ref.kind == "node")
        for target in targets:
            if target in paths:
                if paths[target] not in step.refers_to and paths[target] != uid:
                    step.refers_to.append(paths[target])
                    found.edges.append(Edge(uid, paths[target], CROSS))
            else:
                step.dangling.append(target)


def _destinations(found: Map, snapshot: dict[str, Any]) -> None:
    """Link targets and written-out URLs, per step, with the link checker's word on each (one query)."""
    names = {entry["key"]: (entry.get("name") or {}) for entry in snapshot.get("links") or []}
    usages = extract.snapshot_usages(snapshot, source="", with_targets=False)
    paths = found.by_path()
    statuses = linkreport.statuses({usage.url for usage in usages})
    for usage in usages:
        step = found.steps.get(usage.step_uid) or paths.get(usage.step_path or "")
        if step is None:
            continue
        key = f"link:{usage.link_key}" if usage.link_key else usage.url
        if key not in found.destinations:
            label = names.get(usage.link_key, {}).get(translations.SOURCE_LANGUAGE) or usage.link_key or usage.url
            found.destinations[key] = Destination(key, label)
        destination = found.destinations[key]
        if usage.url not in destination.urls:
            destination.urls.append(usage.url)
        if key not in step.destinations:
            step.destinations.append(key)
            found.edges.append(Edge(step.uid, key, EXTERNAL))
        if statuses[usage.url] in linkreport.PROBLEMS:
            step.link_problems[usage.url] = statuses[usage.url]
    for destination in found.destinations.values():
        destination.status = linkreport.worst(statuses[url] for url in destination.urls)


def _uuids(uids: Iterable[str]) -> list[uuid.UUID]:
    """The uids that are UUIDs (a hand-made snapshot's new steps have none: the map names them by path)."""
    found = []
    for uid in uids:
        try:
            found.append(uuid.UUID(uid))
        except ValueError:
            continue
    return found


def _outdated(found: Map, entries: dict[str, dict[str, Any]]) -> None:
    """Translations whose recorded French text is no longer the snapshot's (one query, by the steps' uids)."""
    rows = TranslationState.objects.filter(node__uid__in=_uuids(entries)).values_list(
        "node__uid", "field", "language", "source_hash"
    )
    late: defaultdict[str, set[str]] = defaultdict(set)
    for uid, name, lang, source_hash in rows:
        values = entries[str(uid)].get(name) or {}
        if (values.get(lang) or "").strip() and source_hash != translations.fingerprint(
            values.get(translations.SOURCE_LANGUAGE)
        ):
            late[str(uid)].add(lang)
    for uid, langs in late.items():
        found.steps[uid].outdated = [lang for lang in translations.target_languages() if lang in langs]


def _feedback(found: Map) -> None:
    """Visitors' "did this page help you?" answers per step (one query), whatever release they were shown."""
    rows = (
        Feedback.objects.filter(wizard_slug=found.slug, step_uid__in=_uuids(found.steps))
        .values("step_uid")
        .annotate(yes=Count("pk", filter=Q(is_helpful=True)), no=Count("pk", filter=Q(is_helpful=False)))
    )
    for row in rows:
        step = found.steps[str(row["step_uid"])]
        step.helpful, step.not_helpful = row["yes"], row["no"]


def _bare(entry: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in entry.items() if name != "children"}


def _changes(found: Map, entries: dict[str, dict[str, Any]], compared_to: dict[str, Any]) -> None:
    before = {str(item.entry.get("uid")): item for item in exchange.walk(compared_to["wizard"])}
    for uid, step in found.steps.items():
        old = before.get(uid)
        if old is None:
            step.change = ADDED
        elif _bare(old.entry) != _bare(entries[uid]):
            step.change = CHANGED
        elif old.step_path != step.path:
            step.change = MOVED


# Selection, search and folding ---------------------------------------------------------------------------------


def ancestors(found: Map, uid: str) -> list[str]:
    chain = []
    parent = found.steps[uid].parent
    while parent:
        chain.append(parent)
        parent = found.steps[parent].parent
    return chain


def descendants(found: Map, uid: str) -> list[str]:
    pending, below = list(found.steps[uid].children), []
    while pending:
        child = pending.pop()
        below.append(child)
        pending += found.steps[child].children
    return below


def related(found: Map, uid: str) -> set[str]:
    """The steps on the paths to and from `uid`, and those it links to or is linked from."""
    linked = {edge.target for edge in found.edges if edge.kind == CROSS and edge.source == uid}
    linked |= {edge.source for edge in found.edges if edge.kind == CROSS and edge.target == uid}
    return {uid, *ancestors(found, uid), *descendants(found, uid), *linked}


def search(found: Map, query: str) -> list[str]:
    """Steps whose French title, slug or path contains `query` (any case), in tree order."""
    needle = query.strip().casefold()
    if not needle:
        return []
    return [
        step.uid for step in found.steps.values() if needle in step.title.casefold() or needle in step.path.casefold()
    ]


def default_folds(found: Map) -> set[str]:
    """The steps folded when nobody asked: none on a map of up to FOLD_ABOVE steps; on a larger one, the steps with
    children at the deepest level down to which at most FOLD_ABOVE steps show (the wizard's own children at least)."""
    if len(found.steps) <= FOLD_ABOVE:
        return set()
    per_depth = Counter(step.depth for step in found.steps.values())
    depth, shown_steps = 2, per_depth[1] + per_depth[2]
    while depth + 1 in per_depth and shown_steps + per_depth[depth + 1] <= FOLD_ABOVE:
        depth += 1
        shown_steps += per_depth[depth]
    return {step.uid for step in found.steps.values() if step.depth == depth and step.children}


def lay_out(found: Map, *, folded: set[str]) -> None:
    """Place the steps that show (none below a folded step) in columns by depth, leaves one row apart, each parent
    level with the middle of its children; then the destinations the shown steps use, in a last column."""
    for step in found.steps.values():
        step.visible, step.folded, step.hidden_below = False, False, 0
    row = 0
    deepest = 1
    # Children before parents (reverse tree order is not enough: a parent's place needs its children's).
    order: list[Step] = []
    pending = [found.root]
    while pending:
        step = pending.pop()
        step.visible = True
        order.append(step)
        if step.uid in folded and step.children:
            step.folded, step.hidden_below = True, len(descendants(found, step.uid))
            continue
        pending += [found.steps[child] for child in reversed(step.children)]
    for step in order:  # tree order: leaves get their rows top to bottom
        deepest = max(deepest, step.depth)
        step.x = MARGIN + (step.depth - 1) * COLUMN
        if step.folded or not step.children:
            step.y = MARGIN + row * ROW
            row += 1
    for step in reversed(order):
        if step.children and not step.folded:
            first, last = found.steps[step.children[0]], found.steps[step.children[-1]]
            step.y = (first.y + last.y) // 2
    used: dict[str, int] = {}
    for step in order:
        for key in step.destinations:
            used.setdefault(key, step.y)
    for destination in found.destinations.values():
        destination.visible = False
    for index, key in enumerate(sorted(used, key=lambda key: (used[key], key))):
        destination = found.destinations[key]
        destination.visible, destination.x = True, MARGIN + deepest * COLUMN + COLUMN // 3
        destination.y = MARGIN + index * ROW
    found.width = MARGIN * 2 + deepest * COLUMN + (COLUMN // 3 + BOX_WIDTH if used else 0)
    found.height = MARGIN * 2 + max(row, len(used), 1) * ROW


def shown(found: Map, uid: str) -> str:
    """The step that stands for `uid` on the map: itself, or the folded step it is hidden under."""
    step = found.steps[uid]
    while not step.visible and step.parent:
        step = found.steps[step.parent]
    return step.uid


@dataclass(frozen=True)
class Line:
    """An edge as drawn: an SVG path and its classes."""

    d: str
    kind: str
    classes: str


def lines(found: Map, *, highlighted: set[str]) -> list[Line]:
    """The edges between what shows (an edge to a hidden step ends at the folded step it is under), as curves from
    the right side of one box to the left side of the other; cross-links bend out to the side instead."""
    drawn: dict[tuple[str, str, str], Line] = {}
    for edge in found.edges:
        source = found.steps[shown(found, edge.source)]
        if edge.kind == EXTERNAL:
            end = found.destinations[edge.target]
            if not source.visible or not end.visible:
                continue
            x2, y2, lit, to = end.x, end.y + BOX_HEIGHT // 2, source.uid in highlighted, end.id
        else:
            target = found.steps[shown(found, edge.target)]
            if target.uid == source.uid:
                continue
            x2, y2, to = target.x, target.y + BOX_HEIGHT // 2, target.uid
            lit = edge.source in highlighted and edge.target in highlighted
        x1, y1 = source.x + BOX_WIDTH, source.y + BOX_HEIGHT // 2
        if edge.kind == CROSS and x2 <= x1:
            # Backwards or within a column: leave from the right, go round, come in from the left.
            bend = COLUMN // 2
            d = f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"
        else:
            middle = (x1 + x2) // 2
            d = f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"
        classes = f"edge edge-{edge.kind}" + (" is-lit" if lit else " is-dim" if highlighted else "")
        drawn[(source.uid, to, edge.kind)] = Line(d, edge.kind, classes)
    # Lit edges last, so that they are drawn over the others.
    return sorted(drawn.values(), key=lambda line: "is-lit" in line.classes)
