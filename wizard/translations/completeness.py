"""How complete a wizard's translations are, read from plain rows: the dashboard and the overview at any size.

`status.report` builds every step as a model instance and an `Item` for each field and language: 45,000 items for
a wizard of 5,000 steps, when the dashboard shows 50 of them and the overview none. Here the counts and the list of
what needs translating come from one projection of the text columns, judged by the same rules as `status.report`
(tests/wizard/test_translations.py compares the two), and only the steps of the page shown are read as instances.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet

from wizard import markdown
from wizard.models import LINK_TEXT_FIELDS, MARKDOWN_FIELDS, NODE_TEXT_FIELDS, LinkTarget, Node, TranslationState
from wizard.translations.status import (
    MISSING,
    OUTDATED,
    SOURCE_LANGUAGE,
    UP_TO_DATE,
    Item,
    LanguageSummary,
    fingerprint,
    is_counted,
    target_languages,
    text,
)

_COLUMNS = tuple(f"{name}_{lang}" for name in NODE_TEXT_FIELDS for lang in settings.WIZARD_LANGUAGES)
_INDEX = {column: i for i, column in enumerate(_COLUMNS)}
# A step as the projection reads it: pk, step path, and its text columns (None where NULL) in _COLUMNS' order.
Step = tuple[int, str, tuple[str | None, ...]]
_LINK_COLUMNS = tuple(_INDEX[f"{name}_{lang}"] for name in MARKDOWN_FIELDS for lang in settings.WIZARD_LANGUAGES)


class Need(NamedTuple):
    """A missing or outdated translation, before its step or link target is read (see `items`)."""

    kind: str  # "node" or "link"
    pk: int
    path: str  # the step path ("" for the wizard root), or the link target's key
    field: str
    status: str


@dataclass
class Completeness:
    """A wizard's completeness per target language, and what needs translating, in `status.report`'s order."""

    wizard: Node
    summaries: list[LanguageSummary]
    needs: dict[str, list[Need]]  # by target language: steps in tree order, then link targets by key


def completeness(wizard: Node) -> Completeness:
    """One wizard's counts and needs, in three queries whatever its size."""
    steps = Q(path__startswith=wizard.path, depth__gte=wizard.depth)
    return _measure([wizard], steps, node_states=Q(node__path__startswith=wizard.path))[0]


def overview() -> list[Completeness]:
    """Every wizard's counts (in path order), in four queries whatever the number and the size of the wizards."""
    return _measure(list(Node.objects.wizards()), Q(), node_states=Q(node__isnull=False), keep_needs=False)


def items(needs: Sequence[Need], lang: str) -> list[Item]:
    """The `Item`s of some needs in one language (a page of the dashboard): a query for each kind of subject listed."""
    nodes = [need.pk for need in needs if need.kind == "node"]
    links = [need.pk for need in needs if need.kind == "link"]
    subjects = {"node": Node.objects.in_bulk(nodes), "link": LinkTarget.objects.in_bulk(links)}  # none: no query
    found = []
    for need in needs:
        subject = subjects[need.kind].get(need.pk)
        if subject is not None:  # deleted since the counts were read
            source, target = text(subject, need.field, SOURCE_LANGUAGE), text(subject, need.field, lang)
            found.append(Item(subject, need.path, need.field, lang, need.status, source, target))
    return found


def _measure(wizards: list[Node], nodes: Q, *, node_states: Q, keep_needs: bool = True) -> list[Completeness]:
    """The completeness of some wizards: `nodes` selects their nodes, roots included, `node_states` their states."""
    steps: dict[str, list[Step]] = {w.path: [] for w in wizards}
    keys: dict[str, set[str]] = {w.path: set() for w in wizards}  # the link targets each wizard's texts use
    step_paths: dict[str, str] = {}
    steplen = Node.steplen
    # A plain QuerySet: modeltranslation's makes two dicts of each row to apply fallbacks that suffixed columns skip.
    rows = QuerySet(Node).filter(nodes).order_by("path").values_list("pk", "path", "depth", "slug", *_COLUMNS)
    for row in rows:
        pk, path, depth, slug, texts = row[0], row[1], row[2], row[3], row[4:]  # texts: None where a column is NULL
        root = path[:steplen]
        if root not in steps:
            continue  # a wizard created since the list of wizards was read
        if depth == 1:
            step_paths[path] = ""
        else:
            parent = step_paths.get(path[:-steplen], "")
            step_paths[path] = f"{parent}/{slug}" if parent else slug
        steps[root].append((pk, step_paths[path], texts))
        for i in _LINK_COLUMNS:
            if (value := texts[i]) and markdown.LINK_SCHEME in value:
                keys[root].update(_link_keys(value))
    used = set().union(*keys.values())
    targets = list(LinkTarget.objects.filter(key__in=used).order_by("key"))  # the database's order, as in report
    hashes = _source_hashes(node_states | Q(link_target__key__in=used))
    return [
        _judge(w, steps[w.path], [t for t in targets if t.key in keys[w.path]], hashes, keep_needs) for w in wizards
    ]


def _source_hashes(states: Q) -> dict[tuple[str, int, str, str], str]:
    found = {}
    for node_id, link_id, name, lang, source_hash in TranslationState.objects.filter(states).values_list(
        "node_id", "link_target_id", "field", "language", "source_hash"
    ):
        found[("node", node_id, name, lang) if node_id else ("link", link_id, name, lang)] = source_hash
    return found


def _judge(
    wizard: Node,
    steps: Iterable[Step],
    targets: list[LinkTarget],
    hashes: dict[tuple[str, int, str, str], str],
    keep_needs: bool,
) -> Completeness:
    """Counts and needs by the rules of `status.report` (the same order too), from the texts alone."""
    languages = target_languages()
    counts = {lang: dict.fromkeys((UP_TO_DATE, MISSING, OUTDATED), 0) for lang in languages}
    needs: dict[str, list[Need]] = {lang: [] for lang in languages}

    def judge(
        kind: str, pk: int, path: str, name: str, source: str, translations: Iterable[tuple[str, str | None]]
    ) -> None:
        if not source.strip():
            return  # nothing to translate
        current = None  # the French text's fingerprint, computed once for all languages, and only if needed
        for lang, target in translations:
            if not target or not target.strip():
                state = MISSING
            elif (followed := hashes.get((kind, pk, name, lang))) is None:
                state = UP_TO_DATE  # as in status.status(): a translation nobody recorded
            else:
                current = current or _fingerprint(source)
                state = UP_TO_DATE if followed == current else OUTDATED
            counts[lang][state] += 1
            if keep_needs and state != UP_TO_DATE:
                needs[lang].append(Need(kind, pk, path, name, state))

    plan = [
        (name, _INDEX[f"{name}_{SOURCE_LANGUAGE}"], [(lang, _INDEX[f"{name}_{lang}"]) for lang in languages])
        for name in NODE_TEXT_FIELDS
    ]
    for pk, path, texts in steps:
        for name, source_column, columns in plan:
            if source := texts[source_column]:
                judge("node", pk, path, name, source, [(lang, texts[i]) for lang, i in columns])
    for target in targets:
        for name in LINK_TEXT_FIELDS:
            translations = [(lang, text(target, name, lang)) for lang in languages if is_counted(target, name, lang)]
            judge("link", target.pk, target.key, name, text(target, name, SOURCE_LANGUAGE), translations)
    summaries = [
        LanguageSummary(lang, sum(c.values()), c[UP_TO_DATE], c[MISSING], c[OUTDATED]) for lang, c in counts.items()
    ]
    return Completeness(wizard, summaries, needs)


# The dashboard and the overview judge every French text of a wizard at each request, and most of them have not
# changed since the last one: as with Markdown references (wizard/markdown.py), each distinct text is hashed and
# parsed once per process, a few MB at most.
_fingerprint = lru_cache(maxsize=50_000)(fingerprint)


@lru_cache(maxsize=50_000)
def _link_keys(text: str) -> frozenset[str]:
    return frozenset(ref.target for ref in markdown.references(text) if ref.kind == "link")
