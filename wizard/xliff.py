"""XLIFF 1.2 export and import of a wizard's translations into one language, for translators' tools.

Why XLIFF 1.2 and not 2.x: 1.2 is the version every common tool reads and writes back without loss (OmegaT
through Okapi, memoQ, Trados, Poedit, Virtaal, Lokalize, Weblate); 2.x support is still partial in several of
them. One file holds one wizard and one target language; one `trans-unit` per translated field, its id stable
across exports (the step's uid, or "link:" and the link target's key, then "/" and the field).

Each unit carries the French source, the current translation if any (state "needs-translation" when missing,
"needs-review-translation" when outdated, "translated" when up to date), notes for the translator, and a
fingerprint of the source (in the standard `extradata` attribute, "source-sha256:…", so that the file stays valid
against the strict XLIFF 1.2 schema) so that an import refuses a unit whose French changed since the export
instead of overwriting a newer text with a translation of an older one. The same attribute holds the fingerprint
of the translation as exported ("target-sha256:…"): an import merges like a form's save (wizard/merge.py), so a
file whose unit still has the exported translation keeps one saved since, and a unit both changed is refused.

Parsing uses the standard library, not defusedxml: ElementTree never fetches external entities or DTDs, expat
(2.4.1 and later; see `pyexpat.EXPAT_VERSION`) stops entity-expansion bombs, and on top of that a file with any
DOCTYPE or entity declaration is refused before it is parsed: an XLIFF file needs neither. A file over MAX_BYTES
is refused before that, and a translation is held to the exchange format's rules for any text (no control
character, at most WIZARD_IMPORT_MAX_TEXT characters): XML 1.0 lets C1 controls such as U+0085 through.
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pyexpat import ExpatError, ParserCreate
from typing import Any

import reversion
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from wizard import exchange, markdown, merge, references, translations
from wizard.models import LinkTarget, Node
from wizard.translations import MISSING, OUTDATED, UP_TO_DATE, Item

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
MAX_BYTES = 20 * 1024 * 1024  # the seed wizard's full export is 100 kB; this is room for two hundred of them
XLIFF2_NS = "urn:oasis:names:tc:xliff:document:2.0"
HASH_PREFIX = "source-sha256:"
TARGET_HASH_PREFIX = "target-sha256:"  # the translation as exported: the base a re-import merges against
XML_NS = "http://www.w3.org/XML/1998/namespace"
TOOL = "wizard-cms"
STATES = {MISSING: "needs-translation", OUTDATED: "needs-review-translation", UP_TO_DATE: "translated"}
# Target states by which a translator (or the tool) says "this translation is done", even if the text is unchanged.
DONE_STATES = {"translated", "final", "signed-off", "needs-review-l10n", "needs-review-adaptation"}
FIELD_HINTS = {
    "title": "the step's title (plain text)",
    "label": "the text of the choice that leads to this step (plain text)",
    "body": "the step's text (Markdown)",
    "note": "a note shown after the step's text (Markdown)",
    "name": "the name of an external site, shown as link text (plain text)",
    "url": "the address of the site's page in this language (a full https:// address)",
}
MARKDOWN_HINT = (
    "Keep every link target in parentheses exactly as in the source: (link:…) for external sites, (node:…) for "
    "other steps. Translate the link text in square brackets."
)


class XliffError(Exception):
    """A file that cannot be imported at all (exit code 2): `problems` says what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# Export ---------------------------------------------------------------------------------------------------------


# Characters XML 1.0 cannot carry (a pasted form feed, say): left out of the file rather than making it unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def filename(wizard: Node, lang: str) -> str:
    return f"{wizard.slug}.{lang}.xlf"


def _note(item: Item, titles: dict[str, str]) -> str:
    if item.is_link:
        where = f"Link target “{item.subject.name_fr}” (key: {item.path})."
    else:
        title = titles.get(item.path, "")
        where = f"Step “{title}” (path: {item.path or '/ (the wizard root)'})."
    lines = [where, f"Field: {item.field}, {FIELD_HINTS.get(item.field, item.field)}.", f"Status: {item.status_label}."]
    if item.status == OUTDATED:
        lines.append("The French text changed since this translation was made: check it against the source.")
    if item.is_markdown:
        lines.append(MARKDOWN_HINT)
    return " ".join(lines)


def export(wizard: Node, lang: str, *, everything: bool = False) -> bytes:
    """The fields of `wizard` that need translating into `lang` (all of them with `everything`), as XLIFF 1.2."""
    if lang not in translations.target_languages():
        raise ValueError(
            f"“{lang}” is not a target language; choose one of {', '.join(translations.target_languages())}."
        )
    report = translations.report(wizard)
    items = [item for item in report.items if item.language == lang and (everything or item.status != UP_TO_DATE)]
    titles = {item.path: item.source for item in report.items if item.field == "title" and not item.is_link}
    root = ET.Element("xliff", {"version": "1.2", "xmlns": XLIFF_NS})
    file = ET.SubElement(
        root,
        "file",
        {
            "original": wizard.slug,
            "source-language": translations.SOURCE_LANGUAGE,
            "target-language": lang,
            "datatype": "plaintext",
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "product-name": TOOL,
        },
    )
    header = ET.SubElement(file, "header")
    ET.SubElement(header, "tool", {"tool-id": TOOL, "tool-name": TOOL})
    ET.SubElement(header, "note").text = (
        f"Wizard “{_xml_text(wizard.title_fr)}” ({wizard.slug}): {len(items)} unit(s) to translate from French into "
        f"{translations.language_name(lang)}. {MARKDOWN_HINT}"
    )
    body = ET.SubElement(file, "body")
    paths = references.paths_by_uid(wizard)  # a translator reads and keeps node: references by step path
    for item in items:
        source, translation = item.source, item.target
        if item.is_markdown:
            source, translation = references.to_paths(source, paths), references.to_paths(translation or "", paths)
        attributes = {"id": item.unit_id, "resname": f"{item.path or '/'}:{item.field}", "xml:space": "preserve"}
        attributes["extradata"] = (
            f"{HASH_PREFIX}{translations.fingerprint(item.source)} "
            f"{TARGET_HASH_PREFIX}{translations.fingerprint(item.target)}"
        )
        model_field = type(item.subject)._meta.get_field(f"{item.field}_{lang}")
        if getattr(model_field, "max_length", None) and not item.is_markdown:
            attributes.update({"maxwidth": str(model_field.max_length), "size-unit": "char"})
        if item.status == UP_TO_DATE:
            attributes["approved"] = "yes"  # tools (Virtaal, Weblate, translate-toolkit) count only approved as done
        unit = ET.SubElement(body, "trans-unit", attributes)
        ET.SubElement(unit, "source", {"xml:lang": translations.SOURCE_LANGUAGE}).text = _xml_text(source)
        if translation:
            target = ET.SubElement(unit, "target", {"xml:lang": lang, "state": STATES[item.status]})
            target.text = _xml_text(translation)
        ET.SubElement(unit, "note", {"from": TOOL}).text = _xml_text(_note(item, titles))
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"


# Reading --------------------------------------------------------------------------------------------------------


@dataclass
class Unit:
    id: str
    source: str
    target: str | None  # None: no <target> element
    state: str
    approved: bool
    source_hash: str | None
    line: int | None = None
    target_hash: str | None = None  # the translation at export time (None: a file without it)


@dataclass
class Document:
    wizard_slug: str
    language: str
    units: list[Unit]


def _refuse_declarations(data: bytes) -> None:
    """Refuse a DOCTYPE or an entity declaration before anything expands it."""
    parser = ParserCreate()

    def refuse(*_args: Any) -> None:
        raise XliffError(["The file declares a DOCTYPE or entities; an XLIFF file needs none, so it is refused."])

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except ExpatError as error:
        raise XliffError(
            [
                f"The file is not well-formed XML (line {error.lineno}, column {error.offset + 1}): "
                f"{error.args[0].split(':')[0]}. Was it cut short or edited by hand?"
            ]
        ) from None


def _local(tag: Any) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag."""
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _brace, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == (XLIFF_NS, name) or child.tag == name]


def _hash(extradata: str, prefix: str) -> str | None:
    found = [token.removeprefix(prefix) for token in extradata.split() if token.startswith(prefix)]
    return found[0] if found else None


def read(data: bytes) -> Document:
    """Parse and check the shape of an XLIFF file; raise XliffError for a file that cannot be imported at all."""
    if len(data) > MAX_BYTES:
        raise XliffError([f"The file is {len(data):,} bytes; an XLIFF file of one wizard is at most {MAX_BYTES:,}."])
    if not data.strip():
        raise XliffError(["The file is empty."])
    _refuse_declarations(data)
    root = ET.fromstring(data)
    namespace, name = _local(root.tag)
    if name != "xliff":
        raise XliffError([f"This is not an XLIFF file: its root element is <{name}>, not <xliff>."])
    if namespace == XLIFF2_NS or root.get("version", "").startswith("2"):
        raise XliffError(["This is an XLIFF 2 file; this import reads XLIFF 1.2, the version of the export."])
    if namespace not in (XLIFF_NS, "") or root.get("version") != "1.2":
        raise XliffError(
            [f"Unknown XLIFF version “{root.get('version')}” ({namespace or 'no namespace'}); expected 1.2."]
        )
    files = _children(root, "file")
    if len(files) != 1:
        raise XliffError([f"The file holds {len(files)} <file> elements; an export holds exactly one (one wizard)."])
    file = files[0]
    source_lang, lang = (file.get("source-language") or "").lower(), (file.get("target-language") or "").lower()
    if source_lang != translations.SOURCE_LANGUAGE:
        raise XliffError([f"The source language is “{source_lang}”; translations are made from French (fr)."])
    if lang not in translations.target_languages():
        known = ", ".join(translations.target_languages())
        raise XliffError([f"Unknown target language “{lang or '(none)'}”; this site translates into {known}."])
    units = []
    for body in _children(file, "body"):
        for element in body.iter():
            if _local(element.tag)[1] != "trans-unit":
                continue
            sources, targets = _children(element, "source"), _children(element, "target")
            target = targets[0] if targets else None
            units.append(
                Unit(
                    id=element.get("id") or "",
                    source="".join(sources[0].itertext()) if sources else "",
                    target="".join(target.itertext()) if target is not None else None,
                    state=(target.get("state") or "") if target is not None else "",
                    approved=element.get("approved") == "yes",
                    source_hash=_hash(element.get("extradata") or "", HASH_PREFIX),
                    target_hash=_hash(element.get("extradata") or "", TARGET_HASH_PREFIX),
                )
            )
    return Document(wizard_slug=file.get("original") or "", language=lang, units=units)


# Import ---------------------------------------------------------------------------------------------------------

WRITTEN, CONFIRMED, UNCHANGED, SKIPPED, REFUSED = "written", "confirmed", "unchanged", "skipped", "refused"


@dataclass
class Outcome:
    unit_id: str
    where: str
    result: str  # one of WRITTEN, CONFIRMED, UNCHANGED, SKIPPED, REFUSED
    message: str

    def __str__(self) -> str:
        return f"{self.result:9} {self.unit_id} ({self.where}): {self.message}"


@dataclass
class Result:
    wizard: Node
    language: str
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False

    def count(self, result: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.result == result)

    @property
    def refused(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.result == REFUSED]

    def summary(self) -> str:
        verb = "would write" if self.dry_run else "wrote"
        return (
            f"{self.wizard.slug} ({self.language}): {verb} {self.count(WRITTEN)}, confirmed {self.count(CONFIRMED)}, "
            f"unchanged {self.count(UNCHANGED)}, skipped {self.count(SKIPPED)}, refused {self.count(REFUSED)}."
        )


def _check_text(item: Item, target: str, link_keys: set[str], paths: dict[str, str]) -> list[str]:
    """Why a new translation cannot be written, if it cannot (`paths`: uid → step path of the wizard's steps)."""
    problems = exchange.text_problems(target)
    node_paths = {*paths, *paths.values()}
    if item.is_markdown:
        expected = translations.reference_counts(references.to_paths(item.source, paths))
        found = translations.reference_counts(references.to_paths(target, paths))
        if expected != found:
            dropped = ", ".join(sorted((expected - found).elements()))
            added = ", ".join(sorted((found - expected).elements()))
            detail = "; ".join(
                part for part in (dropped and f"missing {dropped}", added and f"not in the source {added}") if part
            )
            problems.append(f"the references differ from the source ({detail}); keep each (link:…) and (node:…) as is")
        problems += markdown.problems(target, link_keys=link_keys, node_paths=node_paths)
    model_field = type(item.subject)._meta.get_field(f"{item.field}_{item.language}")
    try:
        model_field.clean(target, item.subject)
    except ValidationError as error:
        problems += error.messages
    return problems


@transaction.atomic
def apply(
    document: Document,
    *,
    user: AbstractBaseUser | None = None,
    dry_run: bool = False,
    comment: str = "",
    may_change_links: bool = True,
) -> Result:
    """Write every acceptable unit of a read file, in one transaction, and report on each unit.

    A unit is refused, and the rest still written, when it names no field of this wizard, when the French text
    changed since the export, or when its translation breaks a reference or a field's rule. A translation equal
    to the current one is not written again; when outdated, it is confirmed as still valid only if the file marks
    it done (target state translated, final or signed-off, or the unit approved="yes").
    """
    # Lock the wizard's row: two imports into one wizard at once would each check against a state the other changes.
    wizard = Node.objects.wizards().select_for_update().filter(slug=document.wizard_slug).first()
    if wizard is None:
        raise XliffError([f"No wizard has the slug “{document.wizard_slug}” (the <file original=…> attribute)."])
    lang = document.language
    report = translations.report(wizard)
    items = {item.unit_id: item for item in report.items if item.language == lang}
    link_keys = set(LinkTarget.objects.values_list("key", flat=True))
    paths = references.paths_by_uid(wizard)
    result = Result(wizard, lang, dry_run=dry_run)
    writes: list[tuple[Item, str]] = []
    confirms: list[Item] = []
    seen: Counter[str] = Counter()
    for unit in document.units:
        seen[unit.id] += 1
        item = items.get(unit.id)
        if item is None:
            result.outcomes.append(
                Outcome(
                    unit.id,
                    "?",
                    REFUSED,
                    "unknown unit: no such step, link target or field in this wizard (or its French text is empty)",
                )
            )
            continue
        outcome = Outcome(unit.id, f"{item.where}, {item.field}", REFUSED, "")
        # The file names steps by path, the database by uid (wizard/references.py).
        text = references.to_uids(unit.target, paths) if item.is_markdown and unit.target else unit.target
        result.outcomes.append(outcome)
        current_hash = translations.fingerprint(item.source)
        if item.is_link and not may_change_links:
            outcome.message = "you may not change link targets: ask an editor to import this unit"
        elif seen[unit.id] > 1:
            outcome.message = "this unit appears more than once in the file; only its first occurrence counts"
        elif (unit.source_hash or translations.fingerprint(unit.source)) != current_hash:
            outcome.message = "source changed since export: the French text is not the one translated; export again"
        elif not (unit.target or "").strip():
            outcome.result, outcome.message = SKIPPED, "no translation in the file"
        elif (merged := _merge(unit, text, item)) is not None and merged.clashes:
            outcome.message = (
                "someone changed this translation since the export, and the file changes it too: theirs is kept; "
                "export again, or choose between the two in the form"
            )
        elif merged is not None and merged.taken["text"] == merge.THEIRS:
            outcome.result = UNCHANGED
            outcome.message = "the file has the translation of the export; the one saved since is kept"
        elif translations.fingerprint(text) == translations.fingerprint(item.target):
            if item.status == OUTDATED and (unit.state in DONE_STATES or unit.approved):
                outcome.result, outcome.message = CONFIRMED, "the translation is confirmed as still valid"
                confirms.append(item)
            else:
                outcome.result = UNCHANGED
                outcome.message = "same translation as now" + (" (still outdated)" if item.status == OUTDATED else "")
        elif problems := _check_text(item, text, link_keys, paths):
            outcome.message = "; ".join(problems)
        else:
            outcome.result, outcome.message = WRITTEN, f"translation {'added' if item.status == MISSING else 'updated'}"
            writes.append((item, text))
    if not dry_run and (writes or confirms):
        _write(writes, confirms, user=user, comment=comment or f"Imported translations ({lang}).")
    return result


def _merge(unit: Unit, text: str | None, item: Item) -> merge.Merged | None:
    """The save rule of every form (wizard/merge.py), on fingerprints: the export's translation is the base."""
    if unit.target_hash is None:
        return None
    mine, theirs = translations.fingerprint(text), translations.fingerprint(item.target)
    return merge.merge({"text": unit.target_hash}, {"text": mine}, {"text": theirs})


def _write(
    writes: list[tuple[Item, str]], confirms: list[Item], *, user: AbstractBaseUser | None, comment: str
) -> None:
    changed: dict[tuple[type, int], tuple[Node | LinkTarget, list[str]]] = {}
    for item, target in writes:
        subject, columns = changed.setdefault((type(item.subject), item.subject.pk), (item.subject, []))
        setattr(subject, f"{item.field}_{item.language}", target)
        columns.append(f"{item.field}_{item.language}")
    with reversion.create_revision():
        reversion.set_comment(comment)
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        for subject, columns in changed.values():
            subject.save(update_fields=[*columns, "updated_at"])
            reversion.add_to_revision(subject)
    entries = [(item.subject, item.field, item.language) for item, _target in writes]
    entries += [(item.subject, item.field, item.language) for item in confirms]
    translations.record(entries, user=user, force=True)


def import_bytes(
    data: bytes, *, user: AbstractBaseUser | None = None, dry_run: bool = False, comment: str = ""
) -> Result:
    """Read and apply a file's bytes: XliffError for a file that cannot be imported, else the per-unit result."""
    return apply(read(data), user=user, dry_run=dry_run, comment=comment)


def languages() -> list[tuple[str, str]]:
    return [(lang, name) for lang, name in settings.LANGUAGES if lang in translations.target_languages()]
