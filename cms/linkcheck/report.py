"""What the link checker knows, put together for people: the broken links page, badges, and change reviews."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.urls import reverse

from cms.linkcheck import extract
from cms.models import LinkCheck
from wizard.models import LinkTarget, Node

# Worst first: a badge shows the worst status among a step's or a target's URLs.
SEVERITY = [
    LinkCheck.Status.BROKEN,
    LinkCheck.Status.UNSTABLE,
    LinkCheck.Status.REDIRECT,
    LinkCheck.Status.REFUSED,
    LinkCheck.Status.PENDING,
    LinkCheck.Status.OK,
]
PROBLEMS = (LinkCheck.Status.BROKEN, LinkCheck.Status.UNSTABLE)
SHOWN = (LinkCheck.Status.BROKEN, LinkCheck.Status.UNSTABLE, LinkCheck.Status.REDIRECT)


class Problem(NamedTuple):
    """A URL of a snapshot that the checker found broken or unstable, and the places that use it."""

    url: str
    status: str
    where: list[str]


def problems_in(snapshot: dict[str, Any], *, compared_to: dict[str, Any] | None = None) -> list[Problem]:
    """The URLs of `snapshot` known to be broken or unstable, worst first, with where each is used.

    With `compared_to` (the live release's snapshot), only the URLs that `compared_to` does not use: the broken
    links a change introduces. URLs never checked yet are not problems: the next run will tell.
    """
    # Most of the time nothing is broken: then there is no need to read every text of the snapshot.
    if not LinkCheck.objects.filter(status__in=PROBLEMS).exists():
        return []
    usages = extract.snapshot_usages(snapshot, source="")
    places: defaultdict[str, list[str]] = defaultdict(list)
    for usage in usages:
        places[usage.url].append(usage.where)
    known = set(extract.urls(extract.snapshot_usages(compared_to))) if compared_to else set()
    rows = LinkCheck.objects.filter(url__in=[url for url in places if url not in known], status__in=PROBLEMS)
    found = [Problem(row.url, row.status, list(dict.fromkeys(places[row.url]))) for row in rows]
    return sorted(found, key=lambda problem: (SEVERITY.index(problem.status), problem.url))


def worst(statuses: Iterable[str]) -> str | None:
    """The most severe of `statuses`, or None when there are none."""
    found = set(statuses)
    return next((status for status in SEVERITY if status in found), None)


def statuses(urls: Iterable[str]) -> dict[str, str]:
    """{url: status} for the given URLs; a URL never checked is "pending"."""
    urls = list(urls)
    known = dict(LinkCheck.objects.filter(url__in=urls).values_list("url", "status"))
    return {url: known.get(url, LinkCheck.Status.PENDING) for url in urls}


@dataclass
class Place:
    """One place that uses a URL, with the admin page where an editor fixes it."""

    where: str
    lang: str
    source: str
    edit_url: str


@dataclass
class Entry:
    check: LinkCheck
    places: list[Place]

    @property
    def languages(self) -> list[str]:
        return sorted({place.lang for place in self.places})


def broken_links(statuses: Iterable[str] = SHOWN) -> list[Entry]:
    """Every used URL that is broken, unstable or permanently redirected, worst first, with its places."""
    # The places are looked for only when something is to be shown: reading every wizard's draft and live
    # release costs seconds for large wizards, the question whether anything is broken one indexed query.
    if not LinkCheck.objects.filter(status__in=list(statuses)).exists():
        return []
    usages = extract.usages()
    by_url: defaultdict[str, list[extract.Usage]] = defaultdict(list)
    for usage in usages:
        by_url[usage.url].append(usage)
    rows = LinkCheck.objects.filter(url__in=list(by_url), status__in=list(statuses))
    uids = {uid for usage in usages if (uid := _uuid(usage.step_uid))}
    nodes = {str(uid): pk for uid, pk in Node.objects.filter(uid__in=uids).values_list("uid", "pk")}
    targets = dict(LinkTarget.objects.values_list("key", "pk"))
    entries = []
    for row in sorted(rows, key=lambda row: (SEVERITY.index(row.status), row.url)):
        places = []
        for usage in dict.fromkeys(by_url[row.url]):
            if usage.is_step:
                pk = nodes.get(str(_uuid(usage.step_uid)))
                edit = reverse("admin:wizard_node_change", args=[pk]) if pk else ""
            else:
                pk = targets.get(usage.link_key)
                edit = reverse("admin:wizard_linktarget_change", args=[pk]) if pk else ""
            places.append(Place(usage.where, usage.lang, usage.source, edit))
        entries.append(Entry(row, places))
    return entries


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
