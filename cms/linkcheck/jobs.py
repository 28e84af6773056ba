"""Link checks in the background: `start()` records a run and queues it; a worker's task calls `execute()`.

An editor who starts a check gets its page at once (admin/cms/linkcheck/run/<id>/), which shows how far the run
got (done / total, failed so far) and what it found; a submitted change queues a check of the URLs it adds.
"""

import time
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from cms import queue
from cms.linkcheck import extract, probe, report, run
from cms.models import LinkCheck, LinkCheckRun

# The progress of a run is written at most this often (seconds): a worker must not spend its time on it.
PROGRESS_EVERY = 1.0
Reason = LinkCheckRun.Reason


def start(urls: list[str], *, user: AbstractBaseUser | None, reason: str = Reason.ADMIN) -> LinkCheckRun:
    """Record a run of `urls` and queue it once the caller's transaction commits; return it at once."""
    urls = list(dict.fromkeys(url for url in urls if extract.is_checkable(url)))
    found = LinkCheckRun.objects.create(
        urls=urls, total=len(urls), reason=reason, requested_by=user if user and user.is_authenticated else None
    )
    transaction.on_commit(lambda: check_links.enqueue(found.pk))
    return found


def new_urls(snapshot: dict[str, Any], *, compared_to: dict[str, Any] | None) -> list[str]:
    """The URLs `snapshot` uses where `compared_to` (the live release) did not: new ones, and changed ones.

    Per place and language (extract.changed_usages): a new German URL of a link target is checked even when the
    same address is used elsewhere already, so that the reviewer sees a fresh result for every URL the change sets.
    """
    return extract.urls(extract.changed_usages(snapshot, compared_to))


def execute(run_id: int) -> LinkCheckRun:
    """Check the run's URLs, writing its progress as it goes and its summary at the end (the task's body)."""
    runs = LinkCheckRun.objects.filter(pk=run_id)
    found = runs.get()
    runs.update(status=LinkCheckRun.Status.RUNNING, started_at=timezone.now(), done=0, failed=0)
    written = 0.0

    def progress(done: int, total: int, failed: int) -> None:
        nonlocal written
        if done < total and time.monotonic() - written < PROGRESS_EVERY:
            return
        written = time.monotonic()
        runs.update(done=done, total=total, failed=failed)

    try:
        checked = run.check(found.urls, record=True, progress=progress)
    except BaseException:
        runs.update(
            status=LinkCheckRun.Status.FAILED,
            finished_at=timezone.now(),
            summary=_("The check failed; its traceback is in the admin, under Task Results."),
        )
        raise
    counts = checked.counts()
    runs.update(
        status=LinkCheckRun.Status.FINISHED,
        finished_at=timezone.now(),
        done=len(found.urls),
        total=len(found.urls),
        failed=sum(result.outcome == probe.Outcome.BROKEN for result in checked.results),
        summary=summary(counts) if found.urls else _("Nothing to check."),
    )
    found.refresh_from_db()
    return found


def summary(counts: dict[str, int]) -> str:
    """ "Checked 3 links: 1 broken, 2 working." for the run's page."""
    parts = [f"{counts[status]} {LinkCheck.Status(status).label}" for status in report.SEVERITY if counts.get(status)]
    total = sum(counts.values())
    checked = ngettext("Checked %(n)d link: %(parts)s.", "Checked %(n)d links: %(parts)s.", total)
    return checked % {"n": total, "parts": ", ".join(parts)}


@task(queue_name=queue.LINKCHECK_QUEUE)
def check_links(run_id: int) -> str:
    """One link check run started from the admin or by a submission (no retry: the next run checks again)."""
    return execute(run_id).summary
