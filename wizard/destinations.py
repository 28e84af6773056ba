"""Which page a link target leads a reader of each language to: the one rule, for the site, the API, the export,
the link checker and the translation status.

A link target has a URL per language. A language may also have no page at all on the destination site (the Social
Security portal's employer pages exist in French, Dutch and German, not in English): editors then say so, and name
the language whose page to link instead (`no_page`, e.g. {"en": "fr"}). That is different from a URL nobody has
written yet, which falls back to the French page as every untranslated text does, and shows as missing in the
translation status.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

FALLBACK_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE  # French, the source language


@dataclass(frozen=True)
class Destination:
    """Where a link leads: the address, and the language of the page there."""

    url: str
    lang: str


def destination(urls: Mapping[str, str], lang: str, *, no_page: Mapping[str, str] | None = None) -> Destination | None:
    """The page a reader of `lang` reaches through a link target with these `urls` (language → URL).

    Its own page; else the page of the language editors named because `lang` has none; else the French page.
    """
    if urls.get(lang):
        return Destination(urls[lang], lang)
    for other in ((no_page or {}).get(lang), FALLBACK_LANGUAGE):
        if other and urls.get(other):
            return Destination(urls[other], other)
    return None


def destinations(urls: Mapping[str, str], *, no_page: Mapping[str, str] | None = None) -> dict[str, Destination]:
    """`destination()` for every language of the site that has one."""
    found = {lang: destination(urls, lang, no_page=no_page) for lang in settings.WIZARD_LANGUAGES}
    return {lang: dest for lang, dest in found.items() if dest is not None}


def is_absent(no_page: Mapping[str, str] | None, lang: str) -> bool:
    """True when editors said that `lang` has no page: its empty URL is not a missing translation."""
    return lang in (no_page or {})


def problems(urls: Mapping[str, str], no_page: object) -> list[str]:
    """What is wrong with a `no_page` mapping, one sentence each; empty when it is fine."""
    if not isinstance(no_page, dict):
        return ['“No page in” maps a language to the language of the page to use instead, like {"en": "fr"}.']
    languages = settings.WIZARD_LANGUAGES
    messages = []
    for lang, other in no_page.items():
        if lang not in languages or lang == FALLBACK_LANGUAGE:
            messages.append(f"“{lang}” is not a language that can go without a page (French always has one).")
        elif urls.get(lang):
            messages.append(f"There is a URL for “{lang}”: remove it, or do not say that “{lang}” has no page.")
        elif other not in languages or other == lang:
            messages.append(f"Readers of “{lang}” need the page of another language, not “{other}”.")
        elif not urls.get(other):
            messages.append(f"Readers of “{lang}” are sent to the “{other}” page, but there is no URL for “{other}”.")
    return messages
