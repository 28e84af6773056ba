"""Queueing background work (django-tasks, Django 6.0's `django.tasks` backported): when to run a task, and again.

Each task is defined beside the work it does (`notifications.send_later`, `webhooks.deliver_later`,
`linkcheck.jobs.check_links`) and only calls that module's functions; what a task adds is when to try again. A task
that gives up raises: its result shows as failed, with the traceback, in the admin (Tasks → DB task results).
Workers: docs/tasks.md.
"""

from datetime import datetime
from typing import Any

from django_tasks.base import Task

LINKCHECK_QUEUE = "linkcheck"  # long runs on a queue of their own, so that emails never wait behind them


def at(job: Task, when: datetime | None, *args: Any, **kwargs: Any) -> None:
    """Queue `job` to run at `when`, or now with a backend that cannot wait (the immediate one)."""
    if job.get_backend().supports_defer and when is not None:
        job = job.using(run_after=when)
    job.enqueue(*args, **kwargs)


def later(job: Task, when: datetime | None, *args: Any, **kwargs: Any) -> None:
    """Queue a retry of `job` at `when`. A backend that cannot wait (the immediate one) does not retry: a retry run
    at once would only fail again (`deliverwebhooks` sweeps up the deliveries still due)."""
    if job.get_backend().supports_defer:
        job.using(run_after=when).enqueue(*args, **kwargs)
