"""One step's page from texts not saved yet: the step form's live preview, rendered as the public site renders it.

The page is made by `cms.pages` from a `LiveWizard` that holds only what a step's page shows: the step (with the
texts being typed), its ancestors (breadcrumb, Back), its children (the choices), the wizard's first level (footer,
"start again", definitions) and the steps and link targets its texts name. That is a handful of queries and rows
whatever the wizard's size, and nothing is written.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import override

from cms import pages
from cms.live import LiveWizard, Step
from wizard import exchange, lookup, markdown, references
from wizard.models import MARKDOWN_FIELDS, NODE_TEXT_FIELDS, LinkTarget, Node

# The children listed on a preview: a choice of more would be cut here (the public page lists them all).
CHILDREN_MAX = 200


def _texts(node: Node, override_with: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    values = override_with or {}
    texts: dict[str, dict[str, str]] = {}
    for name in NODE_TEXT_FIELDS:
        for lang in settings.WIZARD_LANGUAGES:
            column = f"{name}_{lang}"
            text = values[column] if column in values else (getattr(node, column) or "")
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            if text:
                texts.setdefault(name, {})[lang] = text
    return texts


def _step(node: Node, path: str, parent: str | None, texts: dict[str, dict[str, str]] | None = None) -> Step:
    return Step(str(node.uid), path, node.slug, node.kind, texts if texts is not None else _texts(node), parent)


def build(node: Node, typed: Mapping[str, str]) -> tuple[LiveWizard, str]:
    """A LiveWizard around `node` whose texts are `typed` (form columns like "body_nl"; missing ones as stored).

    `node:` references stay as typed (paths); uids, as stored, are read as the paths they stand for.
    """
    wizard = node.get_wizard()
    live = LiveWizard(0, 0, timezone.now(), {"wizard": {"slug": wizard.slug}})
    live.steps[""] = _step(wizard, "", None)
    chain = [*Node.objects.filter(path__in=node._ancestor_paths()[1:]).order_by("depth"), node]
    parent_path = ""
    for ancestor in chain if not node.is_wizard else []:
        path = f"{parent_path}/{ancestor.slug}" if parent_path else ancestor.slug
        texts = _texts(ancestor, typed) if ancestor.pk == node.pk else None
        live.steps[path] = _step(ancestor, path, parent_path, texts)
        live.steps[parent_path].children.append(path)
        parent_path = path
    here = parent_path
    if node.is_wizard:
        live.steps[""] = _step(node, "", None, _texts(node, typed))
    live.root.children = []  # in the editors' order: "start again" leads to the first choice
    for child in Node.objects.get_children(wizard)[:CHILDREN_MAX]:
        live.steps.setdefault(child.slug, _step(child, child.slug, ""))
        live.root.children.append(child.slug)
    if not node.is_wizard:
        for child in Node.objects.get_children(node)[:CHILDREN_MAX]:
            path = f"{here}/{child.slug}"
            live.steps[path] = _step(child, path, here)
            live.steps[here].children.append(path)
    _add_references(live, wizard, live.steps[here])
    return live, here


def _add_references(live: LiveWizard, wizard: Node, step: Step) -> None:
    """The steps and link targets the step's texts name, so that its links lead where they will."""
    texts = [text for name in MARKDOWN_FIELDS for text in step.texts.get(name, {}).values()]
    found = [ref for text in texts for ref in markdown.references(text)][: lookup.REFERENCES_MAX]
    targets = {ref.target for ref in found if ref.kind == "node"}
    for uid, path in references.paths_of(" ".join(f"(node:{t})" for t in targets)).items():
        # A stored uid: shown by its path, as editors read it.
        for values in step.texts.values():
            for lang, text in values.items():
                values[lang] = text.replace(f"node:{uid}", f"node:{path}")
        targets = (targets - {uid}) | {path}
    for path, node in lookup.resolve(wizard, targets).items():
        live.steps.setdefault(path, Step(str(node.uid), path, node.slug, node.kind, {}, None))
    keys = {ref.target for ref in found if ref.kind == "link"}
    live.links = {target.key: exchange.link_entry(target) for target in LinkTarget.objects.filter(key__in=keys)}


def render(live: LiveWizard, lang: str, path: str, *, link_to: pages.LinkTo, problems: list[str]) -> str:
    """The step's page in `lang`, marked as a preview, with the problems of its texts above it."""
    with override(lang):
        context = pages.page_context(live, lang, path, link_to=link_to, memoize=False)
        context: dict[str, Any] = {
            **context,
            "preview": True,
            "preview_problems": problems,
            "css": static("wizard/site.css"),
        }
        return render_to_string("wizard/step.html", context)
