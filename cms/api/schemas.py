"""The shapes the API answers with; the OpenAPI document is generated from them."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

StepKind = Literal["start", "info", "choice", "task"]
TextField = Literal["title", "label", "body", "note"]
LinkField = Literal["name", "url"]


class Error(Schema):
    """Every error has this shape, whatever the status."""

    status: int = Field(description="The HTTP status, repeated for clients that only keep the body.")
    error: str = Field(
        description="A stable code to branch on: not_found, unknown_wizard, unknown_step, unknown_language, "
        "invalid_parameter, invalid_preview_token, method_not_allowed, server_error."
    )
    message: str = Field(description="What went wrong, in English, for a developer.")


class ReleaseInfo(Schema):
    id: int | None = Field(description="The release's id; null for a draft preview.")
    number: int | None = Field(description="1 for a wizard's first release, then 2, 3, …; null for a draft.")
    published_at: datetime | None = Field(description="When the release was made; null for a draft.")
    is_draft: bool = Field(description="True for a preview of the current draft (`release=draft`).")


class WizardSummary(Schema):
    slug: str
    title: dict[str, str] = Field(description="The wizard's title by language, only the languages it has.")
    languages: list[str] = Field(
        description="The languages the wizard is written in (those of its title). Any supported language may be "
        "asked for: texts missing in it fall back to French."
    )
    release: ReleaseInfo
    url: str = Field(description="This wizard's whole tree in the API.")


class WizardList(Schema):
    wizards: list[WizardSummary]


class LinkTarget(Schema):
    key: str
    name: str
    url: str = Field(
        description="The page for this language; when the destination site has no page in it, the page of the "
        "language editors chose; when its URL is not translated yet, the French page."
    )
    url_lang: str = Field(
        description="The language of the page `url` leads to. When it is not the asked language, say so next to "
        "the link, as the site does (“(in French)”), and give the link `hreflang`."
    )
    fallback: list[LinkField] = Field(
        description="Fields shown in French because they have no translation (a page the destination site does "
        "not have in this language is not listed)."
    )


class Reference(Schema):
    """A link in a body or note, as the editor wrote it and as it resolves in this language."""

    kind: Literal["link", "node", "url"] = Field(
        description="link: a link target (link:KEY), node: another step of the wizard (node:PATH), "
        "url: an address written in full."
    )
    text: str
    target: str = Field(description="The link target's key, the step path or the address.")
    url: str | None = Field(description="Where it leads in this language; null when it does not resolve.")
    url_lang: str | None = Field(
        description="The language of the page `url` leads to (see LinkTarget.url_lang); null for an address "
        "written in full, whose language is not known."
    )


class StepSummary(Schema):
    uid: str = Field(description="Stable across releases and languages.")
    path: str = Field(description='Slugs from below the wizard down to this step, joined by "/"; "" for the start.')
    slug: str
    kind: StepKind
    title: str
    label: str = Field(description="The text of the choice that leads to this step.")
    url: str = Field(description="This step's page on the public site, in this language.")
    fallback: list[TextField] = Field(description="Fields shown in French because they have no translation.")


class Step(StepSummary):
    body_html: str = Field(description="The body rendered to sanitized HTML; see the API guide for links.")
    body_markdown: str = Field(description="The body as written, references unresolved.")
    note_html: str
    note_markdown: str
    references: list[Reference] = Field(description="The links of the body, then of the note, in order.")


class TreeStep(Step):
    children: list["TreeStep"]


class WizardTree(Schema):
    wizard: str = Field(description="The wizard's slug.")
    lang: str = Field(description="The language of this answer.")
    release: ReleaseInfo
    links: list[LinkTarget] = Field(description="The link targets that the wizard's texts use.")
    root: TreeStep = Field(description="The start page, with every step below it nested in `children`.")


class StepPage(Schema):
    wizard: str
    lang: str
    release: ReleaseInfo
    step: Step
    breadcrumb: list[StepSummary] = Field(description="The steps above this one, from the start page down.")
    children: list[StepSummary] = Field(description="The steps directly below this one, in order.")
