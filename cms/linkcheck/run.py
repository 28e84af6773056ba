"""Check many URLs at once, politely, and keep what was found: `check()` is the entry point.

Each distinct URL is probed once per run. At most `concurrency` requests are in flight, and at most `per_host` to
any one host. A URL is flagged broken only when it failed on two runs in a row; one failure makes it "unstable",
so that a passing blip does not alarm editors. When a URL becomes broken, editors get one email saying where it
is used.
"""

import asyncio
import contextlib
import logging
import queue
import smtplib
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urldefrag

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cms.linkcheck import extract, probe
from cms.models import LinkCheck

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, int], None]  # (done, total, failed so far)
MAX_URL_LENGTH = LinkCheck._meta.get_field("url").max_length
EDITORS_GROUP = "Editors"


def options(**overrides: float | int | None) -> probe.Options:
    """Probe options from the settings, with any non-None override (the command's flags)."""
    values = {
        "connect_timeout": settings.LINKCHECK_CONNECT_TIMEOUT,
        "timeout": settings.LINKCHECK_TIMEOUT,
        "concurrency": settings.LINKCHECK_CONCURRENCY,
        "per_host": settings.LINKCHECK_PER_HOST,
        "retries": settings.LINKCHECK_RETRIES,
        "backoff": settings.LINKCHECK_BACKOFF,
        "retry_after_cap": settings.LINKCHECK_RETRY_AFTER_CAP,
        "run_budget": settings.LINKCHECK_RUN_BUDGET,
        "max_redirects": settings.LINKCHECK_MAX_REDIRECTS,
        "user_agent": settings.LINKCHECK_USER_AGENT,
        "allowed_networks": tuple(settings.LINKCHECK_ALLOW_PRIVATE),
    }
    values.update({name: value for name, value in overrides.items() if value is not None})
    return probe.Options(**values)


class HostLimiter:
    """Slots for requests: one of `per_host` for the host, then one of `concurrency` overall.

    The host slot is taken first, so that a request waiting for a busy host does not hold a global slot that a
    request to an idle host could use.
    """

    def __init__(self, concurrency: int, per_host: int) -> None:
        self._all = asyncio.Semaphore(concurrency)
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        async with self._hosts[host], self._all:
            yield


async def probe_all(urls: list[str], opts: probe.Options, progress: Progress | None = None) -> list[probe.Result]:
    """Probe each URL (a URL that differs only by its #fragment is fetched once), in the given order."""
    pages = list(dict.fromkeys(urldefrag(url).url for url in urls))
    limiter = HostLimiter(opts.concurrency, opts.per_host)
    done = failed = 0
    deadline = probe.SYSTEM_CLOCK.now() + opts.run_budget

    async with probe.Clients(opts) as clients:

        async def one(page: str) -> probe.Result:
            nonlocal done, failed
            result = await probe.probe(page, clients=clients, options=opts, slot=limiter.slot, deadline=deadline)
            done += 1
            failed += result.outcome == probe.Outcome.BROKEN
            if progress:
                progress(done, len(pages), failed)
            return result

        found = dict(zip(pages, await asyncio.gather(*(one(page) for page in pages)), strict=True))
    results = []
    for url in urls:
        result = found[urldefrag(url).url]
        results.append(result if result.url == url else probe.Result(**{**vars(result), "url": url}))
    return results


@dataclass
class Report:
    """What one run found. `broken` holds the URLs to report: by history when recorded, else by this run."""

    results: list[probe.Result]
    recorded: bool
    rows: list[LinkCheck] = field(default_factory=list)
    newly_broken: list[LinkCheck] = field(default_factory=list)
    usages: list[extract.Usage] = field(default_factory=list)  # where each URL is used (all-content runs)
    seconds: float = 0.0

    @property
    def broken(self) -> list[LinkCheck] | list[probe.Result]:
        if self.recorded:
            return [row for row in self.rows if row.status == LinkCheck.Status.BROKEN]
        return [result for result in self.results if result.outcome == probe.Outcome.BROKEN]

    def counts(self) -> dict[str, int]:
        """How many URLs ended in each status (ok, redirect, unstable, broken, refused)."""
        if self.recorded:
            return dict(Counter(row.status for row in self.rows))
        return dict(Counter(str(result.outcome) for result in self.results))


T = TypeVar("T")


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(), also from a thread that already runs an event loop (an ASGI server, Playwright's sync API)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def probe_reporting(urls: list[str], opts: probe.Options, progress: Progress | None) -> list[probe.Result]:
    """probe_all() on an event loop of its own thread, with `progress` called in this thread, where the database
    may be used (Django refuses database calls from a thread that runs an event loop)."""
    if progress is None:
        return run_blocking(probe_all(urls, opts))
    events: queue.SimpleQueue[tuple[int, int, int]] = queue.SimpleQueue()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(asyncio.run, probe_all(urls, opts, lambda *event: events.put(event)))
        while True:
            try:
                progress(*events.get(timeout=0.1))
            except queue.Empty:
                if future.done() and events.empty():
                    break
        return future.result()


def check(
    urls: Iterable[str] | None = None,
    *,
    opts: probe.Options | None = None,
    record: bool | None = None,
    progress: Progress | None = None,
) -> Report:
    """Check all content (`urls=None`: recorded, with history) or the given URLs (judged by this run alone, unless
    `record=True`, as the admin's "check now" does)."""
    started = time.monotonic()
    everything = urls is None
    record = everything if record is None else record
    found = extract.usages() if everything else None
    wanted = extract.urls(found) if found is not None else [url.strip() for url in urls or [] if url.strip()]
    wanted = list(dict.fromkeys(wanted))
    results = probe_reporting(wanted, opts or options(), progress)
    report = Report(results=results, recorded=record, usages=found or [])
    if record:
        report.rows, report.newly_broken = store(results, prune=everything)
        if report.newly_broken:
            try:
                notify(report.newly_broken, found if found is not None else extract.usages())
            except (OSError, smtplib.SMTPException):
                # The results are stored; a mail server that is down must not make the run fail.
                logger.exception("Could not email editors about %d broken link(s)", len(report.newly_broken))
    report.seconds = time.monotonic() - started
    return report


@transaction.atomic
def store(results: list[probe.Result], *, prune: bool = False) -> tuple[list[LinkCheck], list[LinkCheck]]:
    """Write each result into its LinkCheck row, with the history rule; return (rows, rows that became broken).

    `prune` deletes the rows of URLs that were not checked: after a full run, those are no longer used.
    """
    now = timezone.now()
    results = [result for result in results if len(result.url) <= MAX_URL_LENGTH]
    existing = {row.url: row for row in LinkCheck.objects.select_for_update().filter(url__in=[r.url for r in results])}
    rows, newly_broken = [], []
    for result in results:
        row = existing.get(result.url) or LinkCheck(url=result.url)
        was = row.status
        apply(row, result, now)
        rows.append(row)
        if row.status == LinkCheck.Status.BROKEN and was != LinkCheck.Status.BROKEN:
            newly_broken.append(row)
    fields = [f.name for f in LinkCheck._meta.concrete_fields if f.name not in {"id", "url"}]
    LinkCheck.objects.bulk_update([row for row in rows if row.pk], fields, batch_size=500)
    # Upsert: a run started at the same time (cron and an editor's "check now") may have added the URL meanwhile.
    new = [row for row in rows if not row.pk]
    LinkCheck.objects.bulk_create(
        new, batch_size=500, update_conflicts=True, unique_fields=["url"], update_fields=fields
    )
    if prune:
        LinkCheck.objects.exclude(url__in=[row.url for row in rows]).delete()
    return rows, newly_broken


def apply(row: LinkCheck, result: probe.Result, now: datetime) -> None:
    """Update one row from one probe: success resets the history, a failure adds to it."""
    if result.outcome == probe.Outcome.RATE_LIMITED:
        row.error = result.error  # not checked this run: the status and its history stay as they were
        return
    row.http_status, row.error, row.response_ms = result.http_status, result.error, result.response_ms
    row.final_url = result.final_url[:MAX_URL_LENGTH]
    row.last_checked_at = now
    if result.outcome == probe.Outcome.BROKEN:
        row.consecutive_failures += 1
        row.first_failure_at = row.first_failure_at or now
        row.status = LinkCheck.Status.BROKEN if row.consecutive_failures >= 2 else LinkCheck.Status.UNSTABLE
        return
    row.consecutive_failures, row.first_failure_at = 0, None
    if result.outcome == probe.Outcome.REFUSED:
        row.status = LinkCheck.Status.REFUSED
        return
    row.last_success_at = now
    row.status = LinkCheck.Status.REDIRECT if result.outcome == probe.Outcome.REDIRECT else LinkCheck.Status.OK


def editor_emails() -> list[str]:
    """Active editors with an email: the Editors group, or staff who may change wizard content."""
    may_edit = Q(codename__in=["change_node", "change_linktarget"], content_type__app_label="wizard")
    permissions = Permission.objects.filter(may_edit)
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    editors = users.filter(
        Q(groups__name=EDITORS_GROUP)
        | Q(is_staff=True)
        & (Q(is_superuser=True) | Q(user_permissions__in=permissions) | Q(groups__permissions__in=permissions))
    )
    return sorted(set(editors.values_list("email", flat=True)))


def notify(rows: list[LinkCheck], usages: list[extract.Usage]) -> int:
    """Email editors one summary of the URLs that just became broken; return how many emails were sent."""
    recipients = editor_emails()
    if not rows or not recipients:
        return 0
    places = defaultdict(list)
    for usage in usages:
        places[usage.url].append(usage.where)
    page = settings.LINKCHECK_SITE_URL + reverse("admin:cms_linkcheck_broken")
    lines = [
        f"{len(rows)} link(s) stopped working: each failed on two checks in a row.",
        "",
    ]
    for row in rows:
        lines += [row.url, f"  {row.error or row.get_status_display()}"]
        lines += [f"  used in {where}" for where in dict.fromkeys(places.get(row.url, []))] or ["  (no longer used)"]
        lines.append("")
    lines.append(f"Every broken link, with links to edit the steps that use it: {page}")
    subject = f"[wizard] {len(rows)} broken link(s)"
    body = "\n".join(lines)
    return send_mass_mail([(subject, body, None, [email]) for email in recipients], fail_silently=False)
