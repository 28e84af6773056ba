"""Translations in snapshots (releases, change requests): what a change outdated, what a release lacks."""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.conf import settings

from wizard import exchange
from wizard.models import LINK_TEXT_FIELDS, NODE_TEXT_FIELDS
from wizard.translations.status import SOURCE_LANGUAGE, fingerprint, language_name, target_languages


def _snapshot_steps(snapshot: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for step in exchange.walk(snapshot["wizard"]):
        yield step.step_path, step.entry


def _values(entry: dict[str, Any], name: str) -> dict[str, str]:
    values = entry.get(name)
    return values if isinstance(values, dict) else {}


def outdated_by(
    old_snapshot: dict[str, Any], new_snapshot: dict[str, Any], *, include_links: bool = False
) -> list[tuple[str, str, str]]:
    """(step path, field, language) of each translation a change made outdated: the French text changed, the
    translation did not. Steps are matched by uid and named by their path in the new snapshot; with
    `include_links`, link targets follow as ("link:KEY", field, language)."""
    found = []
    old_steps = {entry.get("uid"): entry for _path, entry in _snapshot_steps(old_snapshot)}
    pairs = [
        (path, old_steps.get(entry.get("uid")), entry, NODE_TEXT_FIELDS)
        for path, entry in _snapshot_steps(new_snapshot)
    ]
    if include_links:
        old_links = {entry["key"]: entry for entry in old_snapshot.get("links") or []}
        pairs += [
            (f"link:{entry['key']}", old_links.get(entry["key"]), entry, LINK_TEXT_FIELDS)
            for entry in new_snapshot.get("links") or []
        ]
    for path, old, new, names in pairs:
        if old is None:
            continue
        for name in names:
            before, after = _values(old, name), _values(new, name)
            if fingerprint(before.get(SOURCE_LANGUAGE)) == fingerprint(after.get(SOURCE_LANGUAGE)):
                continue
            for lang in target_languages():
                if after.get(lang) and before.get(lang) == after.get(lang):
                    found.append((path, name, lang))
    return found


def missing_for_publish(snapshot: dict[str, Any]) -> list[str]:
    """One sentence per step or link target with French text that some language lacks; empty when complete."""
    problems = []
    subjects = [
        (f"step “{path}”" if path else "the wizard root", entry, NODE_TEXT_FIELDS)
        for path, entry in _snapshot_steps(snapshot)
    ]
    subjects += [(f"link target “{entry['key']}”", entry, LINK_TEXT_FIELDS) for entry in snapshot.get("links") or []]
    for where, entry, names in subjects:
        lacking: dict[str, list[str]] = defaultdict(list)
        for name in names:
            values = _values(entry, name)
            if not (values.get(SOURCE_LANGUAGE) or "").strip():
                continue
            for lang in target_languages():
                if not (values.get(lang) or "").strip():
                    lacking[lang].append(name)
        for lang, names_missing in lacking.items():
            problems.append(f"{where} has no {language_name(lang)} ({lang}) {', '.join(names_missing)}.")
    return problems


class MissingTranslations(ValueError):
    """Publishing refused: settings.WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS is off and some text is untranslated."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"This wizard cannot be published with missing translations ({len(problems)} to complete): "
            + " ".join(problems)
        )


def check_publishable(snapshot: dict[str, Any]) -> None:
    """Raise MissingTranslations when the settings forbid publishing this snapshot as it is."""
    if getattr(settings, "WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS", True):
        return
    if problems := missing_for_publish(snapshot):
        raise MissingTranslations(problems)
