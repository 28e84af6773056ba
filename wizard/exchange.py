"""The wizard exchange format (docs/exchange-format.md): one wizard per YAML file, references kept as references.

`dump` turns a wizard into a document (a plain dict, also what a release freezes), `to_text` writes it,
`read` parses and checks a file's bytes without touching the database, and `load` writes a checked document
in one transaction. Export → import → export gives the same bytes.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import reversion
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from wizard import markdown
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
LINK_KEYS = ("key", *LINK_TEXT_FIELDS)
SCALAR_KEYS = ("uid", "slug", "kind", "key")


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


def dump(wizard: Node) -> dict[str, Any]:
    """The wizard and every link target it uses, as a document. Two queries, whatever the wizard's size."""
    entries: dict[str, dict[str, Any]] = {}
    keys: set[str] = set()
    languages = settings.WIZARD_LANGUAGES
    # Plain rows, not model instances: a wizard of 5,000 steps is read in a tenth of the time.
    columns = ("path", "uid", "slug", "kind", *_columns(NODE_TEXT_FIELDS))
    for row in Node.objects.get_tree(wizard).values_list(*columns):
        path, uid, slug, kind = row[:4]
        entry: dict[str, Any] = {"uid": str(uid), "slug": slug, "kind": kind}
        values = iter(row[4:])
        for name in NODE_TEXT_FIELDS:
            texts = {lang: value for lang in languages if (value := next(values))}
            if texts:
                entry[name] = texts
        for name in MARKDOWN_FIELDS:
            for text in entry.get(name, {}).values():
                keys.update(ref.target for ref in markdown.references(text) if ref.kind == "link")
        entries[path] = entry
        if len(path) > len(wizard.path):
            entries[path[: -Node.steplen]].setdefault("children", []).append(entry)
    links = [
        {"key": target.key, **{name: translations(target, name) for name in LINK_TEXT_FIELDS}}
        for target in LinkTarget.objects.filter(key__in=keys).order_by("key")
    ]
    return {"format": FORMAT, "wizard": entries[wizard.path], "links": links, "end": wizard.slug}


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
    """Every scalar stays text ("no" is not False, "2024" is not a number), and a repeated key is an error."""

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


def walk(entry: dict[str, Any], parent: Step | None = None) -> Iterator[Step]:
    """The document's nodes in tree order."""
    slug = entry.get("slug") if isinstance(entry.get("slug"), str) else "?"  # check() reports a bad one
    step_path = "" if parent is None else f"{parent.step_path}/{slug}" if parent.step_path else slug
    step = Step(entry=entry, step_path=step_path, depth=parent.depth + 1 if parent else 1, parent=parent)
    if parent:
        parent.children.append(step)
    yield step
    for child in entry.get("children") or []:
        if isinstance(child, dict):
            yield from walk(child, step)


def read(data: bytes) -> dict[str, Any]:
    """Parse and check the bytes of an exchange file; raise ExchangeError saying what is wrong and where."""
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
    problems = check(document)
    if problems:
        raise ExchangeError(problems)
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
        problems += _shape(entry, LINK_KEYS, LINK_TEXT_FIELDS, where)
        key = entry.get("key") if isinstance(entry.get("key"), str) else None
        if key is not None and key in link_keys:
            problems.append(f"{where} is listed twice.")
        if key is not None:
            link_keys.add(key)
        problems += _model_problems(link_instance(entry), where, exclude=["id"])
    root = document.get("wizard")
    if not isinstance(root, dict):
        return [*problems, "“wizard” should be a mapping: the wizard's root step."]
    steps = list(walk(root))
    node_paths = {step.step_path for step in steps if step.step_path}
    uids: set[str] = set()
    for step in steps:
        entry, where = step.entry, step.where
        problems += _shape(entry, NODE_KEYS, NODE_TEXT_FIELDS, where)
        if not isinstance(entry.get("children", []), list):
            problems.append(f"{where}: “children” should be a list of steps.")
        if (uid := entry.get("uid")) and isinstance(uid, str):
            try:
                uid = str(uuid.UUID(uid))
            except ValueError:
                problems.append(f"{where}: “{uid}” is not a valid uid.")
            if uid in uids:
                problems.append(f"{where}: the uid {uid} is used by another step too.")
            uids.add(uid)
        siblings = step.parent.children if step.parent else []
        if sum(1 for sibling in siblings if sibling.entry.get("slug") == entry.get("slug")) > 1:
            problems.append(f"{where}: the slug “{entry.get('slug')}” is used by another step at the same place.")
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
    problems = [f"{where}: unknown key “{key}”." for key in entry if key not in keys]
    for key in SCALAR_KEYS:
        if key in entry and not isinstance(entry[key], str):
            problems.append(f"{where}: “{key}” should be text, not a list or a mapping.")
    for name in translated:
        values = entry.get(name, {})
        if not isinstance(values, dict):
            problems.append(f"{where}: “{name}” should map languages to text, like “fr: …”.")
            continue
        for lang, value in values.items():
            if lang not in settings.WIZARD_LANGUAGES:
                problems.append(f"{where}: unknown language “{lang}” in “{name}”.")
            elif not isinstance(value, str):
                problems.append(f"{where}: “{name}” in “{lang}” should be text.")
    return problems


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
        for step in steps[1:]:
            siblings = step.parent.children
            step.node.depth = step.depth
            step.node.path = Node._get_path(step.parent.node.path, step.depth, siblings.index(step) + 1)
            step.node.numchild = len(step.children)
        root.save(update_fields=["numchild"])
        columns = ["slug", "kind", "updated_at", *POSITION_FIELDS, *_columns(NODE_TEXT_FIELDS)]
        Node.objects.bulk_update(kept, columns)
        Node.objects.bulk_create([step.node for step in steps[1:] if not step.node.pk])
        for step in steps:
            reversion.add_to_revision(step.node)
    return root


def _columns(names: tuple[str, ...]) -> list[str]:
    return [f"{name}_{lang}" for name in names for lang in settings.WIZARD_LANGUAGES]
