"""What the API answers, built from a release held in memory (never from the tree), once per release and language.

Every answer is validated against its schema once, serialized to bytes and remembered on the `LiveWizard`, in
the bounded memo of the site's canonical origin (`cms.memo.site_origin`, SITE_URL); later requests for the same
release, language and step cost a dictionary lookup.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

from cms.api import schemas
from cms.live import LiveWizard
from wizard import destinations, markdown
from wizard.translations import SOURCE_LANGUAGE, translated

# Part of every ETag: bump it when the answers change for the same release (a new field, another rendering).
FORMAT_VERSION = 2  # 2: link targets and references say the language of the page they lead to


def language_from_header(accept_language: str | None) -> str:
    """The first supported language the client accepts ("nl-BE" counts as "nl"), else French."""
    supported = settings.WIZARD_LANGUAGES
    for code, quality in parse_accept_lang_header((accept_language or "")[:500]):
        if quality <= 0:  # q=0: "not this one"
            continue
        code = code.lower()
        for candidate in (code, code.split("-")[0]):
            if candidate in supported:
                return candidate
    return SOURCE_LANGUAGE


def release_info(wizard: LiveWizard) -> schemas.ReleaseInfo:
    if wizard.release_id:
        return schemas.ReleaseInfo(
            id=wizard.release_id, number=wizard.number, published_at=wizard.published_at, is_draft=False
        )
    return schemas.ReleaseInfo(id=None, number=None, published_at=None, is_draft=True)


def page_url(site: str, lang: str, wizard_slug: str, path: str) -> str:
    """The public site's address of a step (the contract's /<lang>/<wizard>/<path>/)."""
    return f"{site}/{lang}/{wizard_slug}/{path}/" if path else f"{site}/{lang}/{wizard_slug}/"


def api_url(site: str, wizard_slug: str) -> str:
    return f"{site}/api/v1/wizards/{wizard_slug}/"


class _Steps:
    """Every step of one wizard in one language, without children, rendered once."""

    def __init__(self, wizard: LiveWizard, lang: str, site: str) -> None:
        self.wizard, self.lang, self.site = wizard, lang, site
        self.links = wizard.link_destinations(lang)
        self.summaries: dict[str, schemas.StepSummary] = {}
        self.steps: dict[str, schemas.Step] = {}
        for path in wizard.steps:
            self.steps[path] = self._step(path)
            self.summaries[path] = schemas.StepSummary(
                **self.steps[path].model_dump(include=set(schemas.StepSummary.model_fields))
            )

    def node_url(self, path: str) -> str | None:
        return page_url(self.site, self.lang, self.wizard.slug, path) if path in self.wizard.steps else None

    def _step(self, path: str) -> schemas.Step:
        step, lang = self.wizard.steps[path], self.lang
        texts, languages, fallback = {}, {}, []
        for name in ("title", "label", "body", "note"):
            texts[name], languages[name] = step.text(name, lang)
            if texts[name] and languages[name] != lang:
                fallback.append(name)
        return schemas.Step(
            uid=step.uid,
            path=path,
            slug=step.slug,
            kind=step.kind,
            title=texts["title"],
            label=texts["label"],
            url=page_url(self.site, lang, self.wizard.slug, path),
            fallback=fallback,
            body_html=self._html(texts["body"], languages["body"]),
            body_markdown=texts["body"],
            note_html=self._html(texts["note"], languages["note"]),
            note_markdown=texts["note"],
            references=list(self._references(texts["body"], texts["note"])),
        )

    def _html(self, text: str, text_lang: str) -> str:
        """Links lead to the pages of the asked language; the words added to them are in the text's language."""
        return markdown.render(text, lang=text_lang, links=self.links, node_url=self.node_url, reader=self.lang)

    def _references(self, *texts: str) -> Iterable[schemas.Reference]:
        for text in texts:
            for ref in markdown.references(text):
                kind, target = ref.kind, ref.target
                url_lang: str | None = self.lang
                if kind == "link":
                    found = self.links.get(target)
                    url, url_lang = (found.url, found.lang) if found else (None, None)
                elif kind == "node":
                    url = self.node_url(target)
                elif kind == "url":
                    url, url_lang = target, None  # an address written in full: its language is not known
                else:
                    continue  # never published: validation refuses such links
                yield schemas.Reference(kind=kind, text=ref.text, target=target, url=url, url_lang=url_lang)


def _steps(wizard: LiveWizard, lang: str, site: str) -> _Steps:
    return wizard.remember(("api-steps", lang), lambda: _Steps(wizard, lang, site), origin=site)


def _links(wizard: LiveWizard, lang: str) -> list[schemas.LinkTarget]:
    found = []
    for key, entry in sorted(wizard.links.items()):
        name, name_lang = translated(entry.get("name", {}), lang)
        fallback: list[schemas.LinkField] = ["name"] if name and name_lang != lang else []
        page = wizard.link_destination(key, lang)
        # A page deliberately absent in this language is not an untranslated URL: it is not listed in `fallback`.
        if page and page.lang != lang and not destinations.is_absent(entry.get("no_page"), lang):
            fallback.append("url")
        found.append(
            schemas.LinkTarget(
                key=key,
                name=name,
                url=page.url if page else "",
                url_lang=page.lang if page else lang,
                fallback=fallback,
            )
        )
    return found


def tree_json(wizard: LiveWizard, lang: str, site: str) -> bytes:
    """The whole wizard in `lang`, nested, as JSON."""

    def compute() -> bytes:
        steps = _steps(wizard, lang, site)

        def nest(path: str) -> schemas.TreeStep:
            children = [nest(child) for child in wizard.steps[path].children]
            return schemas.TreeStep(**dict(steps.steps[path]), children=children)

        tree = schemas.WizardTree(
            wizard=wizard.slug, lang=lang, release=release_info(wizard), links=_links(wizard, lang), root=nest("")
        )
        return tree.model_dump_json().encode()

    return wizard.remember(("api-tree", FORMAT_VERSION, lang), compute, origin=site)


def step_json(wizard: LiveWizard, path: str, lang: str, site: str) -> bytes:
    """One step of the wizard (`path` must be one) in `lang`, with its breadcrumb and children, as JSON."""

    def compute() -> bytes:
        steps, step = _steps(wizard, lang, site), wizard.steps[path]
        ancestors, parent = [], step.parent
        while parent is not None:
            ancestors.insert(0, steps.summaries[parent])
            parent = wizard.steps[parent].parent
        page = schemas.StepPage(
            wizard=wizard.slug,
            lang=lang,
            release=release_info(wizard),
            step=steps.steps[path],
            breadcrumb=ancestors,
            children=[steps.summaries[child] for child in step.children],
        )
        return page.model_dump_json().encode()

    return wizard.remember(("api-step", FORMAT_VERSION, path, lang), compute, origin=site)


def summary(wizard: LiveWizard, site: str) -> schemas.WizardSummary:
    titles = wizard.root.texts.get("title", {})
    return schemas.WizardSummary(
        slug=wizard.slug,
        title=titles,
        languages=[lang for lang in settings.WIZARD_LANGUAGES if titles.get(lang)],
        release=release_info(wizard),
        url=api_url(site, wizard.slug),
    )


def list_json(wizards: list[LiveWizard], site: str) -> bytes:
    """The published wizards, as JSON (each summary remembered with its release)."""
    found = [found.remember("api-summary", lambda found=found: summary(found, site), origin=site) for found in wizards]
    return schemas.WizardList(wizards=found).model_dump_json().encode()
