"""The wizard's own checks, run on a snapshot before a reviewer may approve it: errors block, warnings inform."""

from dataclasses import asdict, dataclass, replace
from typing import Any

from django.conf import settings

from cms.linkcheck import report
from cms.models import LinkCheck
from wizard import exchange, markdown
from wizard import translations as i18n
from wizard.models import MARKDOWN_FIELDS, NODE_TEXT_FIELDS, Node

ERROR, WARNING = "error", "warning"
# Steps named one by one by the fallback check; beyond, one warning counts the others (an import of 5,000 steps
# with French and Dutch only must not bury the other problems under 5,000 lines).
FALLBACK_STEPS = 25
# HTTP statuses that say the page is gone for good, not that the server had a bad moment.
GONE = {404, 410}


@dataclass(frozen=True)
class Problem:
    level: str  # ERROR blocks approval, WARNING does not
    step: str  # the step path ("" for the wizard's start page), or "link:KEY" for a link target
    message: str
    check: str = ""  # which check found it: "links" results change over time (see `current`), the others do not


def _found_by(check: str, problems: list[Problem]) -> list[Problem]:
    return [replace(problem, check=check) for problem in problems]


def run(snapshot: dict[str, Any], *, base: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Every problem of a snapshot, errors first, as plain dicts (they are stored on the change request).

    `base` is the live release's snapshot the change is built on: against it, the checks say which broken links
    the change brings in and which translations it leaves outdated.
    """
    problems = [
        *_found_by("structure", structure(snapshot)),
        *_found_by("references", references(snapshot)),
        *_found_by("languages", languages(snapshot)),
        *_found_by("links", links(snapshot, base)),
        *_found_by("translations", translations(snapshot, base)),
        *_found_by("fallbacks", fallbacks(snapshot, base)),
    ]
    problems.sort(key=lambda problem: problem.level != ERROR)
    return [asdict(problem) for problem in problems]


def current(stored: list[dict[str, str]], snapshot: dict[str, Any], *, base: dict[str, Any] | None = None) -> list:
    """What `run` says now, from the results `stored` when the snapshot was submitted (a change request's checks).

    Only the link checker's findings change once a snapshot is frozen: the other checks read nothing but the
    snapshot, its base and the settings. So a reviewer's page runs the link check alone (one query when nothing
    is broken), instead of reading every text of the wizard again. Results stored before checks said which check
    found them are run again in full.
    """
    if any("check" not in problem for problem in stored):
        return run(snapshot, base=base)
    kept = [problem for problem in stored if problem["check"] != "links"]
    fresh = [asdict(problem) for problem in _found_by("links", links(snapshot, base))]
    return sorted([*kept, *fresh], key=lambda problem: problem["level"] != ERROR)


def errors(results: list[dict[str, str]]) -> list[dict[str, str]]:
    return [result for result in results if result["level"] == ERROR]


def _steps(snapshot: dict[str, Any]) -> list[exchange.Step]:
    return list(exchange.walk(snapshot["wizard"]))


def _where(path: str) -> str:
    return f"Step “{path}”" if path else "The start page"


def structure(snapshot: dict[str, Any]) -> list[Problem]:
    """Dead ends and orphans: choices without choices, empty tasks, steps that no path reaches."""
    steps = _steps(snapshot)
    found = []
    for step in steps:
        entry, path = step.entry, step.step_path
        if entry["kind"] == Node.Kind.CHOICE and not step.children:
            found.append(Problem(ERROR, path, f"{_where(path)} is a choice with no choices under it."))
        if entry["kind"] == Node.Kind.TASK:
            texts = [text for name in MARKDOWN_FIELDS for text in entry.get(name, {}).values()]
            if not any(text.strip() for text in texts):
                found.append(Problem(ERROR, path, f"{_where(path)} is a task with neither a body nor links."))
    # A step is reached from its parent's page (a task page lists no steps under it), or by a node: link
    # from a reached step's text.
    by_path = {step.step_path: step for step in steps}
    reached, queue = {""}, [steps[0]]
    while queue:
        step = queue.pop()
        onward = [] if step.entry["kind"] == Node.Kind.TASK else [child.step_path for child in step.children]
        for name in MARKDOWN_FIELDS:
            for text in step.entry.get(name, {}).values():
                onward += [ref.target for ref in markdown.references(text) if ref.kind == "node"]
        for path in onward:
            if path in by_path and path not in reached:
                reached.add(path)
                queue.append(by_path[path])
    for step in steps:
        if step.step_path not in reached and (step.parent is None or step.parent.step_path in reached):
            found.append(
                Problem(WARNING, step.step_path, f"{_where(step.step_path)} is not reached by any path of the wizard.")
            )
    return found


def references(snapshot: dict[str, Any]) -> list[Problem]:
    """`link:` and `node:` references that lead nowhere, and links to schemes that are not allowed."""
    steps = _steps(snapshot)
    node_paths = {step.step_path for step in steps if step.step_path}
    link_keys = {entry["key"] for entry in snapshot.get("links", [])}
    found = []
    for step in steps:
        for name in MARKDOWN_FIELDS:
            for lang, text in step.entry.get(name, {}).items():
                for message in markdown.problems(text, link_keys=link_keys, node_paths=node_paths):
                    found.append(
                        Problem(ERROR, step.step_path, f"{_where(step.step_path)}, {name} ({lang}): {message}")
                    )
    return found


def languages(snapshot: dict[str, Any]) -> list[Problem]:
    """A text a step has in some language but not in a required one (settings.WIZARD_REQUIRED_LANGUAGES)."""
    required = settings.WIZARD_REQUIRED_LANGUAGES
    found = []
    for step in _steps(snapshot):
        for name in NODE_TEXT_FIELDS:
            values = step.entry.get(name, {})
            if name != "title" and not values:
                continue
            missing = [lang for lang in required if not values.get(lang, "").strip()]
            if missing:
                found.append(
                    Problem(ERROR, step.step_path, f"{_where(step.step_path)} has no {name} in {', '.join(missing)}.")
                )
    for entry in snapshot.get("links", []):
        missing = [lang for lang in required if not entry.get("name", {}).get(lang)]
        if missing:
            found.append(
                Problem(
                    ERROR, f"link:{entry['key']}", f"The link “{entry['key']}” has no name in {', '.join(missing)}."
                )
            )
    return found


def links(snapshot: dict[str, Any], base: dict[str, Any] | None = None) -> list[Problem]:
    """What the link checker found: a page confirmed gone (404, 410) blocks; other failures warn.

    Each says whether this change brings the URL in (it is not used by `base`, the live release) or keeps it.
    """
    problems = report.problems_in(snapshot)
    introduced = {problem.url for problem in report.problems_in(snapshot, compared_to=base)} if base else None
    checked = {row.url: row for row in LinkCheck.objects.filter(url__in=[problem.url for problem in problems])}
    found = []
    for problem in problems:
        check = checked[problem.url]
        where = "; ".join(problem.where)
        reason = f"HTTP {check.http_status}" if check.http_status else (check.error or check.get_status_display())
        new = " This change brings it in." if introduced is not None and problem.url in introduced else ""
        if check.status == LinkCheck.Status.BROKEN and check.http_status in GONE:
            found.append(Problem(ERROR, where, f"{check.url} is gone ({reason}); used in {where}.{new}"))
        else:
            found.append(
                Problem(WARNING, where, f"{check.url} failed the link check ({reason}); used in {where}.{new}")
            )
    return found


def translations(snapshot: dict[str, Any], base: dict[str, Any] | None = None) -> list[Problem]:
    """Missing translations block when the settings forbid publishing without them; outdated ones warn."""
    found = []
    if not settings.WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS:
        found += [
            Problem(ERROR, "", f"Missing translation: {message}") for message in i18n.missing_for_publish(snapshot)
        ]
    for path, name, lang in i18n.outdated_by(base, snapshot, include_links=True) if base else []:
        found.append(
            Problem(WARNING, path, f"{_where(path)}: the {name} ({lang}) no longer follows the French text it changes.")
        )
    return found


def _falls_back(entry: dict[str, Any], lang: str) -> list[str]:
    """The fields of a step that a reader of `lang` sees in French: French text, none of its own."""
    source = settings.LANGUAGE_CODE
    return [
        name
        for name in NODE_TEXT_FIELDS
        if (entry.get(name) or {}).get(source, "").strip() and not (entry.get(name) or {}).get(lang, "").strip()
    ]


def fallbacks(snapshot: dict[str, Any], base: dict[str, Any] | None = None) -> list[Problem]:
    """Per step, the languages whose readers will see French because the step's own text is missing: a warning.

    A page whose title is translated above a French body says so to its readers, but a reviewer must know before.
    Against `base` (the live release), only the steps this change adds or whose texts it changes are named; the
    first FALLBACK_STEPS are named, the others counted in one warning. Required languages are not looked at:
    a text missing in one of them is an error (`languages`).
    """
    source = settings.LANGUAGE_CODE
    optional = [
        lang for lang in settings.WIZARD_LANGUAGES if lang != source and lang not in settings.WIZARD_REQUIRED_LANGUAGES
    ]
    old = {step.entry.get("uid"): step.entry for step in exchange.walk(base["wizard"])} if base else {}
    found, more = [], 0
    for step in _steps(snapshot):
        entry, path = step.entry, step.step_path
        then = old.get(entry.get("uid"))
        if then is not None and all(then.get(name) == entry.get(name) for name in NODE_TEXT_FIELDS):
            continue  # not changed here: what it shows in each language is what the public sees already
        missing = {lang: fields for lang in optional if (fields := _falls_back(entry, lang))}
        if not missing:
            continue
        if len(found) >= FALLBACK_STEPS:
            more += 1
            continue
        shown = "; ".join(f"{lang} ({', '.join(fields)})" for lang, fields in missing.items())
        mixed = [lang for lang, fields in missing.items() if "title" not in fields and {"body", "note"} & set(fields)]
        message = f"{_where(path)} will show French to readers of {shown}."
        if mixed:
            message += f" In {', '.join(mixed)}, its translated title stands above French text."
        found.append(Problem(WARNING, path, message))
    if more:
        found.append(Problem(WARNING, "", f"{more} more step(s) will show French in some language."))
    return found
