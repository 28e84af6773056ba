"""Markdown for wizard bodies: `link:KEY` and `node:PATH` references, resolved per language, then sanitized.

Rendering never fails on content: a reference that cannot be resolved renders as plain text. Editors are told
about such references before that can happen, by `problems()`, which the admin forms and the importer call.
"""

import difflib
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

import nh3
from django.utils.html import escape
from django.utils.translation import gettext, gettext_noop, override
from markdown_it import MarkdownIt
from markdown_it.token import Token

from wizard.destinations import Destination

LINK_SCHEME = "link:"
NODE_SCHEME = "node:"
# What an editor may write straight into a body besides references.
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "hr",
    "h2", "h3", "h4", "span", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "class", "rel", "lang", "hreflang"},
    "span": {"class", "lang"},
    "th": {"align"},
    "td": {"align"},
}


# What a link says when the page it leads to is in another language than the text around it.
LANGUAGE_NOTES = {
    "fr": gettext_noop("(in French)"),
    "nl": gettext_noop("(in Dutch)"),
    "de": gettext_noop("(in German)"),
    "en": gettext_noop("(in English)"),
}


@dataclass(frozen=True)
class Reference:
    """One link found in a Markdown text: its target as written and the text shown for it."""

    href: str
    text: str

    # Computed once per reference: the parsed references of a text are kept (_parse_links), and reading a wizard
    # asks each for its kind and target several times.
    @cached_property
    def kind(self) -> str:
        """ "link", "node", "url" (a safe external URL written in full) or "unsafe"."""
        if self.href.startswith(LINK_SCHEME):
            return "link"
        if self.href.startswith(NODE_SCHEME):
            return "node"
        return "url" if urlsplit(self.href).scheme.lower() in SAFE_SCHEMES else "unsafe"

    @cached_property
    def target(self) -> str:
        """The key, the step path or the URL."""
        kind = self.kind
        if kind == "link":
            return self.href.removeprefix(LINK_SCHEME).strip()
        if kind == "node":
            return self.href.removeprefix(NODE_SCHEME).strip().strip("/")
        return self.href


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    # Raw HTML is off: an editor's "<script>" shows as text. Our own link check replaces markdown-it's,
    # which would silently drop javascript: links instead of letting us report them.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.validateLink = lambda url: True
    return md


def _links(tokens: list[Token]) -> Iterator[tuple[list[Token], int, int]]:
    """Each link as (inline children, index of link_open, index of link_close)."""
    for block in tokens:
        children = block.children or []
        opened = None
        for index, token in enumerate(children):
            if token.type == "link_open":
                opened = index
            elif token.type == "link_close" and opened is not None:
                yield children, opened, index
                opened = None


def _may_link(text: str) -> bool:
    # CommonMark has no link or image without "[" (inline, reference, image) or "<" (autolink), and linkify is off:
    # most texts (titles, labels, plain notes) skip the parser, the costliest part of reading a wizard.
    return "[" in text or "<" in text


def _parse(text: str) -> tuple[tuple[Reference, ...], bool]:
    """The links and images of `text`, in order, and whether it has an image."""
    if not text or not _may_link(text):
        return (), False
    return _parse_links(text)


# Reading a wizard (freezing it, checking it, listing its link targets or URLs) asks for the references of every
# text, several times per request, and the parser costs ~0.1 ms a text: 1.5 s for a wizard of 5,000 steps. The
# references of a text never change, so each distinct text is parsed once per process (a few MB at most).
@lru_cache(maxsize=50_000)
def _parse_links(text: str) -> tuple[tuple[Reference, ...], bool]:
    tokens = parser().parse(text)
    found = [
        Reference(href=str(token.attrs.get("src", "")), text=token.content)
        for block in tokens
        for token in block.children or []
        if token.type == "image"
    ]
    has_image = bool(found)
    for children, start, end in _links(tokens):
        label = "".join(token.content for token in children[start + 1 : end])
        found.append(Reference(href=str(children[start].attrs.get("href", "")), text=label))
    return tuple(found), has_image


def references(text: str) -> list[Reference]:
    """Every image, then every link, in `text`, in order."""
    return list(_parse(text)[0])


_UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# How many candidates a "did you mean" compares a mistyped reference with, at most.
SUGGESTION_CANDIDATES_MAX = 10_000


def close_match(target: str, candidates: Collection[str]) -> str | None:
    """The candidate closest to `target` (difflib), if one is close enough to be a typo."""
    pool = list(candidates)[:SUGGESTION_CANDIDATES_MAX]
    found = difflib.get_close_matches(target, pool, n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(suggestion: str | None) -> str:
    return f" Did you mean “{suggestion}”?" if suggestion else ""


def problems(text: str, *, link_keys: set[str], node_paths: set[str], suggest: bool = False) -> list[str]:
    """What is wrong with the references of `text`, one sentence each; empty when all resolve.

    With `suggest`, a reference that names nothing says which key or path it probably meant ("did you mean").
    """
    messages = []
    found, has_image = _parse(text)
    if has_image:
        messages.append("Images are not supported in a body; link to the page that shows them instead.")
    for ref in found:
        kind, target = ref.kind, ref.target
        if kind == "link" and target not in link_keys:
            close = close_match(target, link_keys) if suggest else None
            messages.append(
                f"“{ref.text}” points to the link target “{target}”, which does not exist."
                + did_you_mean(close and f"{LINK_SCHEME}{close}")
            )
        elif kind == "node" and target not in node_paths:
            # Paths only: node_paths also holds the uids the database stores, which nobody types.
            close = close_match(target, [path for path in node_paths if not _UID.match(path)]) if suggest else None
            messages.append(
                f"“{ref.text}” points to the step “{target}”, which does not exist in this wizard."
                + did_you_mean(close and f"{NODE_SCHEME}{close}")
            )
        elif kind == "unsafe" and ref.href:
            messages.append(
                f"“{ref.text}” points to “{ref.href}”: only link:, node:, https:, http:, mailto: and tel: "
                "targets are allowed."
            )
        elif kind == "unsafe":
            messages.append(f"“{ref.text}” has an empty link target.")
    return messages


def render(
    text: str,
    *,
    lang: str,
    links: Mapping[str, Destination | str],
    node_url: Callable[[str], str | None],
    reader: str | None = None,
) -> str:
    """Markdown → sanitized HTML for one language.

    `links` maps a link target's key to where it leads (a bare URL: a page in the reader's language); `node_url`
    turns a step path into the URL to show, or None when there is no such step. External links are marked for
    sighted and screen-reader users alike. `reader` is the language of the page's reader (`lang` unless the text
    is a French fallback): a link to a page in another language than the reader's says which, visibly and in the
    reader's language, and carries `hreflang`.
    """
    if not text:
        return ""
    md = parser()
    tokens = md.parse(text)
    reader = reader or lang
    with override(lang):
        leaving = gettext("(external site)")
    # Backwards, so that inserting a marker does not shift the links still to come.
    for children, start, end in reversed(list(_links(tokens))):
        opening, closing = children[start], children[end]
        ref = Reference(href=str(opening.attrs.get("href", "")), text="")
        kind = ref.kind
        page_lang = reader
        if kind == "link":
            found = links.get(ref.target)
            found = Destination(found, reader) if isinstance(found, str) else found
            url, page_lang = (found.url, found.lang) if found else (None, reader)
        elif kind == "node":
            url = node_url(ref.target)
        else:
            url = ref.href if kind == "url" else None
        if not url:
            # An unresolved reference degrades to its text; validation keeps this from being published.
            opening.tag = closing.tag = "span"
            opening.attrs = {}
            continue
        opening.attrs = {"href": url}
        if page_lang != reader:
            opening.attrs["hreflang"] = page_lang
            with override(reader):
                note = escape(gettext(LANGUAGE_NOTES[page_lang]) if page_lang in LANGUAGE_NOTES else f"({page_lang})")
            marked = f' lang="{escape(reader)}"' if reader != lang else ""
            note_html = f' <span class="link-language"{marked}>{note}</span>'
            children.insert(end, Token("html_inline", "", 0, content=note_html))
        if kind in {"link", "url"} and urlsplit(url).scheme in {"http", "https"}:
            opening.attrs.update({"class": "external", "rel": "noopener"})
            # The space inside the hidden text: outside it, it would show as an underlined gap in the link.
            marker = Token("html_inline", "", 0, content=f'<span class="visually-hidden"> {leaving}</span>')
            children.insert(end + (page_lang != reader), marker)
    html = md.renderer.render(tokens, md.options, {})
    return sanitize(html)


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(SAFE_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
