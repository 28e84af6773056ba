"""Status of each translation, and recording what French text a translation follows."""

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from wizard import destinations, markdown
from wizard.models import (
    LINK_TEXT_FIELDS,
    MARKDOWN_FIELDS,
    NODE_TEXT_FIELDS,
    LinkTarget,
    Node,
    TranslationState,
)

SOURCE_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE  # French: what every other language translates
UP_TO_DATE, MISSING, OUTDATED = "up-to-date", "missing", "outdated"
STATUS_LABELS = {UP_TO_DATE: "up to date", MISSING: "missing", OUTDATED: "outdated"}
# A node: target is stored by uid and shown by path (wizard/references.py): either way it is not text to translate,
# so the fingerprint leaves node: targets out.
_NODE_TARGET = re.compile(r"\]\(\s*<?node:[^)\s>]*")


def translated(values: dict[str, str], lang: str) -> tuple[str, str]:
    """A translated value in `lang`, or else in French (the fallback); with the language it really is in."""
    if values.get(lang):
        return values[lang], lang
    return values.get(SOURCE_LANGUAGE, ""), SOURCE_LANGUAGE


def target_languages() -> list[str]:
    return [lang for lang in settings.WIZARD_LANGUAGES if lang != SOURCE_LANGUAGE]


def language_name(lang: str) -> str:
    return dict(settings.LANGUAGES).get(lang, lang)


def fingerprint(text: str | None) -> str:
    """SHA-256 of a text, blind to what a form or a tool changes without meaning to (line ends, outer spaces)."""
    normalized = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if "node:" in normalized:  # the regular expression costs more than the hash: most texts have no reference
        normalized = _NODE_TARGET.sub("](node:", normalized)
    return hashlib.sha256(normalized.encode()).hexdigest()


def reference_counts(text: str | None) -> Counter[str]:
    """The `link:` and `node:` references of a Markdown text, as a multiset ("link:portal", "node:a/b")."""
    return Counter(
        f"{ref.kind}:{ref.target}" for ref in markdown.references(text or "") if ref.kind in ("link", "node")
    )


def fields_of(subject: Model) -> tuple[str, ...]:
    return LINK_TEXT_FIELDS if isinstance(subject, LinkTarget) else NODE_TEXT_FIELDS


def text(subject: Model, name: str, lang: str) -> str:
    return getattr(subject, f"{name}_{lang}") or ""


# Status ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One translated field of one step or link target, in one target language."""

    subject: Node | LinkTarget
    path: str  # the step path ("" for the wizard root), or the link target's key
    field: str
    language: str
    status: str
    source: str
    target: str

    @property
    def is_link(self) -> bool:
        return isinstance(self.subject, LinkTarget)

    @property
    def unit_id(self) -> str:
        """Stable across releases and exports: the step's uid (or "link:" and the key) and the field."""
        owner = f"link:{self.subject.key}" if self.is_link else str(self.subject.uid)
        return f"{owner}/{self.field}"

    @property
    def where(self) -> str:
        if self.is_link:
            return f"link target “{self.path}”"
        return f"step “{self.path}”" if self.path else "the wizard root"

    @property
    def is_markdown(self) -> bool:
        return not self.is_link and self.field in MARKDOWN_FIELDS

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class LanguageSummary:
    language: str
    total: int
    up_to_date: int
    missing: int
    outdated: int

    @property
    def name(self) -> str:
        return language_name(self.language)

    @property
    def percent(self) -> int:
        """Share of the fields with a French text that are translated and up to date (rounded down)."""
        return 100 if not self.total else self.up_to_date * 100 // self.total


@dataclass
class Report:
    """Every translated field of a wizard (its steps and the link targets its texts use) with its status."""

    wizard: Node
    items: list[Item] = field(default_factory=list)

    def summaries(self) -> list[LanguageSummary]:
        counts: dict[str, Counter[str]] = {lang: Counter() for lang in target_languages()}
        for item in self.items:
            counts[item.language][item.status] += 1
        return [
            LanguageSummary(lang, sum(c.values()), c[UP_TO_DATE], c[MISSING], c[OUTDATED]) for lang, c in counts.items()
        ]

    def needing(self, lang: str | None = None) -> list[Item]:
        """The missing and outdated items, of one language or all."""
        return [item for item in self.items if item.status != UP_TO_DATE and lang in (None, item.language)]

    def of(self, subject: Model) -> list[Item]:
        return [item for item in self.items if type(item.subject) is type(subject) and item.subject.pk == subject.pk]

    def find(self, unit_id: str) -> dict[str, Item]:
        """The items of one unit id, by language."""
        return {item.language: item for item in self.items if item.unit_id == unit_id}


def _states_of(subjects: Iterable[Model]) -> QuerySet[TranslationState]:
    """The translation states of some steps and link targets (none for no subject)."""
    subjects = list(subjects)
    nodes = [s.pk for s in subjects if isinstance(s, Node)]
    links = [s.pk for s in subjects if isinstance(s, LinkTarget)]
    if not nodes and not links:
        return TranslationState.objects.none()
    return TranslationState.objects.filter(node_id__in=nodes) | TranslationState.objects.filter(
        link_target_id__in=links
    )


def _states(subjects: Iterable[Model]) -> dict[tuple[str, int, str, str], TranslationState]:
    return {_state_key(state): state for state in _states_of(subjects)}


def _key(subject: Model, name: str, lang: str) -> tuple[str, int, str, str]:
    return ("link" if isinstance(subject, LinkTarget) else "node", subject.pk, name, lang)


def _state_key(state: TranslationState) -> tuple[str, int, str, str]:
    if state.node_id:
        return ("node", state.node_id, state.field, state.language)
    return ("link", state.link_target_id, state.field, state.language)


def is_counted(subject: Model, name: str, lang: str) -> bool:
    """False for a URL that editors said the destination site has no page for: nothing is missing there."""
    return not (name == "url" and isinstance(subject, LinkTarget) and destinations.is_absent(subject.no_page, lang))


def status(source: str, target: str, state: TranslationState | None) -> str:
    if not target.strip():
        return MISSING
    # No state: a translation nobody recorded (none should exist after migration 0003); nothing says it drifted.
    if state is None or state.source_hash == fingerprint(source):
        return UP_TO_DATE
    return OUTDATED


def wizard_subjects(wizard: Node) -> list[tuple[Node | LinkTarget, str]]:
    """The wizard's nodes (root first, in tree order) and the link targets its texts use, with their paths or keys.

    Two queries."""
    subjects: list[tuple[Node | LinkTarget, str]] = []
    step_paths: dict[str, str] = {}
    keys: set[str] = set()
    for node in Node.objects.get_tree(wizard):
        parent = step_paths.get(node.path[: -node.steplen], "")
        step_paths[node.path] = "" if node.depth == wizard.depth else f"{parent}/{node.slug}".lstrip("/")
        subjects.append((node, step_paths[node.path]))
        for name in MARKDOWN_FIELDS:
            for lang in settings.WIZARD_LANGUAGES:
                if markdown.LINK_SCHEME in (value := text(node, name, lang)):
                    keys.update(ref.target for ref in markdown.references(value) if ref.kind == "link")
    subjects += [(target, target.key) for target in LinkTarget.objects.filter(key__in=keys).order_by("key")]
    return subjects


def _source_hashes(subjects: Iterable[Model]) -> dict[tuple[str, int, str, str], str]:
    """{state key: source hash} of the subjects' states: plain rows, for a whole wizard's thousands of states."""
    found: dict[tuple[str, int, str, str], str] = {}
    for node_id, link_id, name, lang, source_hash in _states_of(subjects).values_list(
        "node_id", "link_target_id", "field", "language", "source_hash"
    ):
        found[("node", node_id, name, lang) if node_id else ("link", link_id, name, lang)] = source_hash
    return found


def report(wizard: Node) -> Report:
    """The status of every translated field of a wizard, in three queries whatever its size."""
    subjects = wizard_subjects(wizard)
    hashes = _source_hashes(subject for subject, _path in subjects)
    languages = target_languages()
    result = Report(wizard)
    for subject, path in subjects:
        kind = "link" if isinstance(subject, LinkTarget) else "node"
        for name in fields_of(subject):
            source = text(subject, name, SOURCE_LANGUAGE)
            if not source.strip():
                continue  # nothing to translate
            current = None  # the French text's fingerprint, computed once for all languages, and only if needed
            for lang in languages:
                if not is_counted(subject, name, lang):
                    continue
                target = text(subject, name, lang)
                followed = hashes.get((kind, subject.pk, name, lang))
                if not target.strip():
                    state = MISSING
                elif followed is None:
                    state = UP_TO_DATE  # as in status(): a translation nobody recorded
                else:
                    current = current or fingerprint(source)
                    state = UP_TO_DATE if followed == current else OUTDATED
                result.items.append(Item(subject, path, name, lang, state, source, target))
    return result


def items_of(subject: Node | LinkTarget) -> list[Item]:
    """The status of one step's or link target's translations (for its change form). Two queries at most."""
    states = _states([subject])
    path = subject.key if isinstance(subject, LinkTarget) else subject.get_step_path()
    items = []
    for name in fields_of(subject):
        source = text(subject, name, SOURCE_LANGUAGE)
        if source.strip():
            for lang in target_languages():
                if not is_counted(subject, name, lang):
                    continue
                target = text(subject, name, lang)
                state = states.get(_key(subject, name, lang))
                items.append(Item(subject, path, name, lang, status(source, target, state), source, target))
    return items


def needing(model: type[Node] | type[LinkTarget], lang: str) -> set[int]:
    """The pks of every step (or link target), in every wizard, with a missing or outdated translation into `lang`.

    Two queries."""
    subject = "link_target" if model is LinkTarget else "node"
    names = LINK_TEXT_FIELDS if model is LinkTarget else NODE_TEXT_FIELDS
    states = {
        (getattr(state, f"{subject}_id"), state.field): state
        for state in TranslationState.objects.filter(**{"language": lang, f"{subject}__isnull": False})
    }
    found = set()
    columns = [f"{name}_{lg}" for name in names for lg in (SOURCE_LANGUAGE, lang)]
    for obj in model.objects.only("pk", *columns, *(["no_page"] if model is LinkTarget else [])):
        for name in names:
            if not is_counted(obj, name, lang):
                continue
            source = text(obj, name, SOURCE_LANGUAGE)
            if source.strip() and status(source, text(obj, name, lang), states.get((obj.pk, name))) != UP_TO_DATE:
                found.add(obj.pk)
                break
    return found


def nodes_needing(lang: str) -> set[int]:
    return needing(Node, lang)


# Recording ------------------------------------------------------------------------------------------------------


@transaction.atomic
def record(
    entries: Iterable[tuple[Node | LinkTarget, str, str]], *, user: AbstractBaseUser | None = None, force: bool = False
) -> int:
    """Remember that each (subject, field, language) translation follows the subject's current French text.

    An empty translation loses its state (it is missing, whatever it followed). Without `force`, a state whose
    translation has not changed since it was recorded is kept: only a new translation follows the new French.
    Returns how many states were written. Subjects are read as given: pass them after saving.
    """
    entries = list(entries)
    states = _states({_key(subject, "", "")[:2]: subject for subject, _n, _l in entries}.values())
    creates, updates, gone = [], [], []
    user = user if user is not None and user.is_authenticated else None
    for subject, name, lang in entries:
        if lang == SOURCE_LANGUAGE:
            continue
        target = text(subject, name, lang)
        state = states.get(_key(subject, name, lang))
        if not target.strip():
            if state is not None:
                gone.append(state.pk)
            continue
        target_hash = fingerprint(target)
        if state is not None and state.target_hash == target_hash and not force:
            continue
        source_hash = fingerprint(text(subject, name, SOURCE_LANGUAGE))
        if state is None:
            subject_field = "link_target" if isinstance(subject, LinkTarget) else "node"
            creates.append(
                TranslationState(
                    **{subject_field: subject},
                    field=name,
                    language=lang,
                    source_hash=source_hash,
                    target_hash=target_hash,
                    updated_by=user,
                )
            )
        else:
            state.source_hash, state.target_hash, state.updated_by = source_hash, target_hash, user
            updates.append(state)
    TranslationState.objects.filter(pk__in=gone).delete()
    TranslationState.objects.bulk_create(creates)
    now = timezone.now()
    for state in updates:
        state.updated_at = now  # bulk_update skips auto_now
    TranslationState.objects.bulk_update(updates, ["source_hash", "target_hash", "updated_by", "updated_at"])
    return len(creates) + len(updates)


def every_field(subject: Node | LinkTarget) -> Iterator[tuple[Node | LinkTarget, str, str]]:
    for name in fields_of(subject):
        for lang in target_languages():
            yield subject, name, lang


def record_form(subject: Node | LinkTarget, changed: Iterable[str], *, user: AbstractBaseUser | None) -> int:
    """After an admin save: each translation the form changed now follows the French text saved with it."""
    changed = set(changed)
    return record(
        ((s, name, lang) for s, name, lang in every_field(subject) if f"{name}_{lang}" in changed),
        user=user,
        force=True,
    )


def record_changed(wizard: Node, *, user: AbstractBaseUser | None = None) -> int:
    """After an import of a whole wizard: its new or changed translations follow the imported French text.

    Translations the file left as they were keep their state, so importing a file whose French changed flags
    them as outdated, and importing the same file again changes nothing.
    """
    entries = [entry for subject, _path in wizard_subjects(wizard) for entry in every_field(subject)]
    return record(entries, user=user)


def confirm(subject: Node | LinkTarget, name: str, lang: str, *, user: AbstractBaseUser | None) -> int:
    """An editor says a translation is still right for the current French text (after a typo fix, say)."""
    return record([(subject, name, lang)], user=user, force=True)


def confirm_all(subjects: Iterable[Node | LinkTarget], *, user: AbstractBaseUser | None) -> int:
    """Confirm every outdated translation of these steps or link targets."""
    subjects = list(subjects)
    states = _states(subjects)
    entries = [
        (subject, name, lang)
        for subject, name, lang in (entry for subject in subjects for entry in every_field(subject))
        if status(
            text(subject, name, SOURCE_LANGUAGE), text(subject, name, lang), states.get(_key(subject, name, lang))
        )
        == OUTDATED
    ]
    return record(entries, user=user, force=True)
