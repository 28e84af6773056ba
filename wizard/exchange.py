"""The wizard exchange format (docs/exchange-format.md): one wizard per YAML file, references kept as references.

`dump` turns a wizard into a document (a plain dict, also what a release freezes), `to_text` writes it,
`parse` reads a file's bytes into a document, refusing hostile files before any work, `check` lists what is
wrong with a document, `read` is `parse` then `check` (nothing touches the database), and `load` checks a
document once and writes it in one transaction. Export → import → export gives the same bytes.

A file may come from anyone an editor trusts too readily, so reading it is bounded (settings, docs/security.md):
its size (WIZARD_IMPORT_MAX_BYTES), how deep its steps nest (WIZARD_IMPORT_MAX_DEPTH), how many steps it holds
(WIZARD_IMPORT_MAX_STEPS) and how long one text is (WIZARD_IMPORT_MAX_TEXT). YAML anchors and aliases (&a, *a),
which let a kilobyte expand into gigabytes, are refused outright: the format never writes them.
"""

import re
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import reversion
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from wizard import markdown, references
from wizard.models import (
    LINK_TEXT_FIELDS,
    MARKDOWN_FIELDS,
    NODE_TEXT_FIELDS,
    POSITION_FIELDS,
    LinkTarget,
    Node,
    wizard_step_paths,
)

FORMAT = "wizard-exchange/1"
HEADER = "# A wizard in the wizard-exchange format (docs/exchange-format.md). Keep the last line.\n"
DOCUMENT_KEYS = ("format", "wizard", "links", "end")
NODE_KEYS = ("uid", "slug", "kind", *NODE_TEXT_FIELDS, "children")
LINK_KEYS = ("key", *LINK_TEXT_FIELDS, "no_page")
SCALAR_KEYS = ("uid", "slug", "kind", "key")
# C0 and C1 control characters but tab and line feed (YAML writes a line break as \n): a NUL cannot even be
# stored by PostgreSQL, and none of them belongs in a page.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class ExchangeError(Exception):
    """A file that cannot be imported; `problems` says each thing that is wrong, and where."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# Writing ------------------------------------------------------------------------------------------------------


def translations(obj: models.Model, name: str) -> dict[str, str]:
    """The non-empty values of a translated field, by language, in the configured order."""
    values = {lang: getattr(obj, f"{name}_{lang}") for lang in settings.WIZARD_LANGUAGES}
    return {lang: value for lang, value in values.items() if value}


def dump(
    wizard: Node, *, earlier: Mapping[str, Mapping[str, Any]] | None = None, since: datetime | None = None
) -> dict[str, Any]:
    """The wizard and every link target it uses, as a document. Two queries, whatever the wizard's size.

    With `earlier` (uid → {"entry": …, "path": step path} of an earlier document of this wizard, as
    cms.releases.flatten gives) and `since` (every step whose own fields differ from that document was saved after
    it), only the tree's shape is read for the other steps: their texts are the earlier document's, their `node:`
    references written again by path when a step they name moved, was renamed, went or came back. The same
    document, reading a handful of rows in full instead of thousands (cms.releases.draft); three queries (four when
    a step the earlier document lacks was saved before `since`).
    """
    entries: dict[str, dict[str, Any]] = {}
    keys: set[str] = set()
    languages = settings.WIZARD_LANGUAGES
    tree = Node.objects.get_tree(wizard).rewrite(False)
    # Plain rows, not model instances: a wizard of 5,000 steps is read in a tenth of the time. The columns name
    # their language, so modeltranslation has nothing to rewrite or fall back on (its rows cost a third more).
    columns = ("path", "uid", "slug", "kind", *_columns(NODE_TEXT_FIELDS))
    if earlier is None or since is None:
        rows = fresh = list(tree.values_list(*columns))
    else:
        # The shape (uids as text once: a UUID's str() is not free, 5,000 times over), then in full the steps saved
        # since and any the earlier document does not have.
        rows = [
            (path, str(uid), slug, kind) for path, uid, slug, kind in tree.values_list("path", "uid", "slug", "kind")
        ]
        fresh = list(tree.filter(updated_at__gt=since).values_list(*columns))
        read = {row[0] for row in fresh}
        if unknown := [path for path, uid, _slug, _kind in rows if uid not in earlier and path not in read]:
            fresh += tree.filter(path__in=unknown).values_list(*columns)
    paths = _step_paths(rows)
    for row in fresh:
        path, uid, slug, kind = row[:4]
        entry: dict[str, Any] = {"uid": str(uid), "slug": slug, "kind": kind}
        values = iter(row[4:])
        for name in NODE_TEXT_FIELDS:
            texts = {lang: value for lang in languages if (value := next(values))}
            if texts and name in MARKDOWN_FIELDS:  # stored by uid, written by path (wizard/references.py)
                texts = {lang: references.to_paths(text, paths) for lang, text in texts.items()}
            if texts:
                entry[name] = texts
        entries[path] = entry
    if len(fresh) < len(rows):
        _reuse(earlier or {}, [row for row in rows if row[0] not in entries], paths, entries)
    for path, *_rest in rows:  # in tree order: a parent before its children
        entry = entries[path]
        for name in MARKDOWN_FIELDS:
            for text in entry.get(name, {}).values():
                keys.update(ref.target for ref in markdown.references(text) if ref.kind == "link")
        if len(path) > len(wizard.path):
            entries[path[: -Node.steplen]].setdefault("children", []).append(entry)
    links = [link_entry(target) for target in LinkTarget.objects.filter(key__in=keys).order_by("key")]
    return {"format": FORMAT, "wizard": entries[wizard.path], "links": links, "end": wizard.slug}


def _reuse(
    earlier: Mapping[str, Mapping[str, Any]],
    rows: list[tuple[Any, ...]],
    paths: dict[str, str],
    entries: dict[str, dict[str, Any]],
) -> None:
    """The entries of the steps of `rows` (path, uid, slug, kind, …) not saved since `earlier`, from it (`dump`)."""
    # What an earlier text names by path (or by uid, a step it did not have) → what it names now: the steps that
    # moved, were renamed or went (by uid then, as the stored text has it), and those that came (back).
    renamed = {
        step["path"]: paths.get(uid, uid)
        for uid, step in earlier.items()
        if step["path"] and paths.get(uid) != step["path"]
    }
    renamed.update((uid, path) for uid, path in paths.items() if uid not in earlier)
    for path, uid, slug, kind, *_rest in rows:
        # The texts' mappings are the earlier document's own: a document is read, never changed in place.
        entry = {name: value for name, value in earlier[uid]["entry"].items() if name != "children"}
        entry["slug"], entry["kind"] = slug, kind
        if renamed:
            for name in MARKDOWN_FIELDS:
                if name in entry:
                    entry[name] = {lang: references.to_paths(text, renamed) for lang, text in entry[name].items()}
        entries[path] = entry


def _step_paths(rows: list[tuple[Any, ...]]) -> dict[str, str]:
    """uid → step path of the steps of one wizard's tree, from (path, uid, slug, …) rows in tree order."""
    by_path: dict[str, str] = {}
    found = {}
    for path, uid, slug, *_texts in rows[1:]:
        parent = by_path.get(path[: -Node.steplen], "")
        by_path[path] = f"{parent}/{slug}" if parent else slug
        found[str(uid)] = by_path[path]
    return found


def link_entry(target: LinkTarget) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": target.key, **{name: translations(target, name) for name in LINK_TEXT_FIELDS}}
    if target.no_page:
        # In the configured order, whatever order the admin saved it in: an export is compared byte for byte.
        entry["no_page"] = {lang: target.no_page[lang] for lang in settings.WIZARD_LANGUAGES if lang in target.no_page}
    return entry


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so that Markdown reads and diffs as it was typed."""


_Dumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None),
)


def to_text(document: dict[str, Any]) -> str:
    body = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)
    return HEADER + body


# Reading ------------------------------------------------------------------------------------------------------


class _Loader(yaml.BaseLoader):
    """Every scalar stays text ("no" is not False, "2024" is not a number), and a repeated key is an error.

    Hostile input is refused while the parser's events arrive, before they are composed into nodes: an anchor or
    an alias, nesting deeper than steps may nest, a text longer than any field should be. (BaseLoader rather than
    SafeLoader: SafeLoader would turn "no" into False; neither builds anything but str, list and dict.)
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # A step is two levels below its parent (a mapping in a "children" list); its texts two more.
        self.max_depth = 2 * settings.WIZARD_IMPORT_MAX_DEPTH + 3
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ExchangeError(
                [f"Line {line}: YAML anchors and aliases (&name, *name) are not allowed in an exchange file."]
            )
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > settings.WIZARD_IMPORT_MAX_TEXT:
            raise ExchangeError(
                [
                    f"Line {line}: a text of {len(event.value):,} characters; the most is "
                    f"{settings.WIZARD_IMPORT_MAX_TEXT:,} (WIZARD_IMPORT_MAX_TEXT)."
                ]
            )
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                raise ExchangeError(
                    [
                        f"Line {line}: the steps nest too deep; a wizard has at most "
                        f"{settings.WIZARD_IMPORT_MAX_DEPTH} levels (WIZARD_IMPORT_MAX_DEPTH)."
                    ]
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key “{key}” appears twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@dataclass
class Step:
    """One node of a document, with where it stands."""

    entry: dict[str, Any]
    step_path: str
    depth: int
    parent: "Step | None"
    children: list["Step"] = field(default_factory=list)
    node: Node | None = None  # set by load(): the row this step becomes

    @property
    def where(self) -> str:
        return f"step “{self.step_path}”" if self.step_path else "the wizard root"


def walk(entry: dict[str, Any]) -> Iterator[Step]:
    """The document's steps in tree order (without recursion: a document's depth is checked, not assumed)."""
    pending: list[tuple[dict[str, Any], Step | None]] = [(entry, None)]
    while pending:
        entry, parent = pending.pop()
        slug = entry.get("slug") if isinstance(entry.get("slug"), str) else "?"  # check() reports a bad one
        step_path = "" if parent is None else f"{parent.step_path}/{slug}" if parent.step_path else slug
        step = Step(entry=entry, step_path=step_path, depth=parent.depth + 1 if parent else 1, parent=parent)
        if parent:
            parent.children.append(step)
        yield step
        children = entry.get("children")
        if isinstance(children, list):  # check() reports anything else, and children that are not mappings
            pending += [(child, step) for child in reversed(children) if isinstance(child, dict)]


def read(data: bytes) -> dict[str, Any]:
    """Parse and check the bytes of an exchange file; raise ExchangeError saying what is wrong and where.

    To import, give `load` what `parse` returns instead: `load` checks, and the checks then run once.
    """
    document = parse(data)
    if problems := check(document):
        raise ExchangeError(problems)
    return document


def parse(data: bytes) -> dict[str, Any]:
    """The document in an exchange file's bytes, its shape and limits checked (not its content: see `check`)."""
    if len(data) > settings.WIZARD_IMPORT_MAX_BYTES:
        raise ExchangeError(
            [
                f"The file is {len(data):,} bytes; the most an import reads is {settings.WIZARD_IMPORT_MAX_BYTES:,} "
                "(WIZARD_IMPORT_MAX_BYTES)."
            ]
        )
    if not data.strip():
        raise ExchangeError(["The file is empty."])
    if b"\x00" in data:
        raise ExchangeError(["This is a binary file, not a wizard exchange file (UTF-8 YAML text)."])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ExchangeError([f"The file is not UTF-8 text: byte {error.start} cannot be read."]) from None
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - BaseLoader builds nothing but str, list and dict
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ExchangeError([f"The file is not valid YAML{where}: {problem}. Was it cut short?"]) from None
    if not isinstance(document, dict) or "format" not in document:
        raise ExchangeError([f"This is not a wizard exchange file: it should start with “format: {FORMAT}”."])
    if document["format"] != FORMAT:
        raise ExchangeError([f"Unknown format “{document['format']}”; this version reads “{FORMAT}”."])
    root = document.get("wizard")
    slug = root.get("slug") if isinstance(root, dict) else None
    if "end" not in document:
        raise ExchangeError(
            ["The file has no end marker (its last line should be “end: <wizard slug>”): it was cut short."]
        )
    if document["end"] != slug:
        raise ExchangeError(
            [f"The end marker “{document['end']}” does not match the wizard's slug “{slug}”: was the file cut short?"]
        )
    return document


def check(document: dict[str, Any]) -> list[str]:
    """Everything wrong with a parsed document, one sentence each, naming where."""
    problems = [f"Unknown top-level key “{key}”." for key in document if key not in DOCUMENT_KEYS]
    links = document.get("links") or []
    if not isinstance(links, list):
        return [*problems, "“links” should be a list of link targets."]
    link_keys: set[str] = set()
    for index, entry in enumerate(links, start=1):
        where = f"link target “{entry.get('key')}”" if isinstance(entry, dict) else f"link target #{index}"
        if not isinstance(entry, dict):
            problems.append(f"{where} should be a mapping with key, name and url.")
            continue
        # "no_page" has the shape of a translated text: a language, then (the language of the page to use).
        problems += _shape(entry, LINK_KEYS, (*LINK_TEXT_FIELDS, "no_page"), where)
        key = entry.get("key") if isinstance(entry.get("key"), str) else None
        if key is not None and key in link_keys:
            problems.append(f"{where} is listed twice.")
        if key is not None:
            link_keys.add(key)
        problems += _model_problems(link_instance(entry), where, exclude=["id"])
    root = document.get("wizard")
    if not isinstance(root, dict):
        return [*problems, "“wizard” should be a mapping: the wizard's root step."]
    steps = []
    for step in walk(root):  # the limits first, before any work that grows with the document
        steps.append(step)
        if len(steps) > settings.WIZARD_IMPORT_MAX_STEPS:
            return [
                *problems,
                f"The wizard has more than {settings.WIZARD_IMPORT_MAX_STEPS:,} steps, the most an import takes "
                "(WIZARD_IMPORT_MAX_STEPS).",
            ]
        if step.depth > settings.WIZARD_IMPORT_MAX_DEPTH:
            return [
                *problems,
                f"{step.where} is {step.depth} levels deep; a wizard has at most {settings.WIZARD_IMPORT_MAX_DEPTH} "
                "(WIZARD_IMPORT_MAX_DEPTH).",
            ]
    node_paths = {step.step_path for step in steps if step.step_path}
    uids: set[str] = set()
    for step in steps:
        entry, where = step.entry, step.where
        problems += _shape(entry, NODE_KEYS, NODE_TEXT_FIELDS, where)
        children = entry.get("children", [])
        if not isinstance(children, list):
            problems.append(f"{where}: “children” should be a list of steps.")
        else:
            problems += [
                f"{where}: child #{index} should be a step (a mapping with slug, kind, title…), not {_kind(child)}."
                for index, child in enumerate(children, start=1)
                if not isinstance(child, dict)
            ]
        if (uid := entry.get("uid")) and isinstance(uid, str):
            try:
                uid = str(uuid.UUID(uid))
            except ValueError:
                problems.append(f"{where}: “{uid}” is not a valid uid.")
            if uid in uids:
                problems.append(f"{where}: the uid {uid} is used by another step too.")
            uids.add(uid)
        if step.children:  # counted once per parent: linear in the number of steps, however many siblings
            slugs = Counter(child.entry["slug"] for child in step.children if isinstance(child.entry.get("slug"), str))
            problems += [
                f"{child.where}: the slug “{child.entry['slug']}” is used by another step at the same place."
                for child in step.children
                if isinstance(child.entry.get("slug"), str) and slugs[child.entry["slug"]] > 1
            ]
        if (entry.get("kind") == Node.Kind.START) != (step.parent is None):
            problems.append(f"{where}: only the wizard root, and always the root, is of kind “start”.")
        problems += _model_problems(node_instance(entry), where, exclude=["id", "uid", *POSITION_FIELDS])
        for name in MARKDOWN_FIELDS:
            for lang, text in (entry.get(name) or {}).items():
                if isinstance(text, str):
                    for message in markdown.problems(text, link_keys=link_keys, node_paths=node_paths):
                        problems.append(f"{where}, {name} ({lang}): {message}")
    return problems


def _shape(entry: dict[str, Any], keys: tuple[str, ...], translated: tuple[str, ...], where: str) -> list[str]:
    problems = [f"{where}: unknown key “{_shown(key)}”." for key in entry if key not in keys]
    for key in SCALAR_KEYS:
        if key in entry and not isinstance(entry[key], str):
            problems.append(f"{where}: “{key}” should be text, not a list or a mapping.")
        elif key in entry:
            problems += [f"{where}, {key}: {problem}" for problem in text_problems(entry[key])]
    for name in translated:
        values = entry.get(name, {})
        if not isinstance(values, dict):
            problems.append(f"{where}: “{name}” should map languages to text, like “fr: …”.")
            continue
        for lang, value in values.items():
            if lang not in settings.WIZARD_LANGUAGES:
                problems.append(f"{where}: unknown language “{_shown(lang)}” in “{name}”.")
            elif not isinstance(value, str):
                problems.append(f"{where}: “{name}” in “{lang}” should be text.")
            else:
                problems += [f"{where}, {name} ({lang}): {problem}" for problem in text_problems(value)]
    return problems


def text_problems(text: str) -> list[str]:
    """What makes a text unfit for any field: a control character, or more than WIZARD_IMPORT_MAX_TEXT characters."""
    problems = []
    if len(text) > settings.WIZARD_IMPORT_MAX_TEXT:
        limit = settings.WIZARD_IMPORT_MAX_TEXT
        problems.append(f"{len(text):,} characters; the most is {limit:,} (WIZARD_IMPORT_MAX_TEXT).")
    if found := CONTROL.search(text):
        problems.append(
            f"a control character (U+{ord(found.group()):04X}) at character {found.start() + 1}; "
            "only tabs and line breaks may be in a text."
        )
    return problems


def _shown(value: Any) -> str:
    """A key or language as an error message can show it: control characters written as escapes."""
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", value) if isinstance(value, str) else repr(value)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"the text “{_shown(value)[:40]}”"
    return "a list" if isinstance(value, list) else "empty"


def _model_problems(instance: models.Model, where: str, exclude: list[str]) -> list[str]:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [f"{where}, {name}: {message}" for name, messages in error.message_dict.items() for message in messages]
    return []


def _text(values: Any) -> dict[str, str]:
    return values if isinstance(values, dict) else {}


def _set_translations(obj: models.Model, entry: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        values = _text(entry.get(name))
        for lang in settings.WIZARD_LANGUAGES:
            value = values.get(lang)
            setattr(obj, f"{name}_{lang}", value if isinstance(value, str) else "")


def link_instance(entry: dict[str, Any], target: LinkTarget | None = None) -> LinkTarget:
    target = target or LinkTarget()
    target.key = entry.get("key") or ""
    _set_translations(target, entry, LINK_TEXT_FIELDS)
    target.no_page = dict(_text(entry.get("no_page")))
    return target


def node_instance(entry: dict[str, Any], node: Node | None = None) -> Node:
    node = node or Node()
    node.slug = entry.get("slug") or ""
    node.kind = entry.get("kind") or ""
    _set_translations(node, entry, NODE_TEXT_FIELDS)
    return node


# Loading ------------------------------------------------------------------------------------------------------


@transaction.atomic
def load(document: dict[str, Any], *, comment: str = "") -> Node:
    """Write a checked document: create the wizard, or replace its draft content, in one transaction.

    Steps are matched to existing ones by uid (or, for a hand-written file without uids, by step path), so that
    their history stays attached. Positions are written directly: every step of the wizard is first parked
    on a temporary path, then given its final one, so that no intermediate state breaks a unique path.
    Give it what `parse` returns (or any document): it checks, once, before anything is written.
    """
    if problems := check(document):
        raise ExchangeError(problems)
    steps = list(walk(document["wizard"]))
    root_entry = document["wizard"]
    wizard = Node.objects.wizards().filter(slug=root_entry["slug"]).first()
    existing = {str(node.uid): node for node in Node.objects.get_tree(wizard)} if wizard else {}
    by_step_path = wizard_step_paths(wizard) if wizard else {}
    foreign = Node.objects.filter(uid__in=[s.entry["uid"] for s in steps if s.entry.get("uid")])
    if wizard:
        foreign = foreign.exclude(pk__in=[node.pk for node in existing.values()])
    if problems := [f"The uid {node.uid} belongs to “{node}” in another wizard." for node in foreign]:
        raise ExchangeError(problems)

    with reversion.create_revision():
        reversion.set_comment(comment or "Imported from an exchange file.")
        for entry in document.get("links") or []:
            target = link_instance(entry, LinkTarget.objects.filter(key=entry["key"]).first())
            target.save()
            reversion.add_to_revision(target)

        claimed: dict[int, Node] = {}
        for step in steps:
            uid = str(uuid.UUID(step.entry["uid"])) if step.entry.get("uid") else None  # any case, braces…
            node = existing.get(uid) if uid else (by_step_path.get(step.step_path) if step.parent else wizard)
            if step.parent is None and wizard:
                node = wizard  # a wizard is its slug: the file replaces its content whatever the root's uid
            if node is not None and node.pk in claimed:
                node = None
            step.node = node_instance(step.entry, node)
            if uid:
                step.node.uid = uuid.UUID(uid)
            if node is not None:
                claimed[node.pk] = step.node

        # The file names steps by path; the database keeps them by uid (wizard/references.py).
        paths = {str(step.node.uid): step.step_path for step in steps[1:]}
        for step in steps:
            for column in _columns(MARKDOWN_FIELDS):
                setattr(step.node, column, references.to_uids(getattr(step.node, column) or "", paths))

        root = steps[0].node
        if wizard is None:
            root = Node.objects.add_root(instance=root)
        else:
            root.save()
        gone = [node.pk for node in existing.values() if node.pk not in claimed]
        models.QuerySet.delete(Node.objects.filter(pk__in=gone))  # these rows only; their subtrees moved or go too
        kept = [step.node for step in steps[1:] if step.node.pk]
        for node in kept:
            node.path, node.updated_at = f"~{node.pk}", timezone.now()
        Node.objects.bulk_update(kept, ["path"])

        root.numchild = len(steps[0].children)
        for step in steps:  # in tree order: a parent's path is set before its children's
            for position, child in enumerate(step.children, start=1):
                child.node.depth = child.depth
                child.node.path = Node._get_path(step.node.path, child.depth, position)
                child.node.numchild = len(child.children)
        root.save(update_fields=["numchild"])
        columns = ["slug", "kind", "updated_at", *POSITION_FIELDS, *_columns(NODE_TEXT_FIELDS)]
        Node.objects.bulk_update(kept, columns)
        Node.objects.bulk_create([step.node for step in steps[1:] if not step.node.pk])
        for step in steps:
            reversion.add_to_revision(step.node)
    references.reindex_wizard(root)
    return root


def _columns(names: tuple[str, ...]) -> list[str]:
    return [f"{name}_{lang}" for name in names for lang in settings.WIZARD_LANGUAGES]
