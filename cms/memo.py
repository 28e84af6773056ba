"""Bounded memos for what the public site and the API derive from a live release, and the origin they key on.

Every in-memory memo is an `LRU` with a size from the settings: a visitor chooses the address (and so the key) of
what they ask for, and nothing a visitor chooses may grow a server process without bound. Absolute links are built
on the site's canonical origin, `settings.SITE_URL` (`python manage.py check --deploy` requires it when DEBUG is
off), so that a Host header with another port does not make another copy of a page (docs/delivery.md).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.http import HttpRequest


class LRU:
    """At most `size` values, the least recently used dropped first; safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self.lock = threading.Lock()
        self.values: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value kept under `key`, or `compute()`'s, kept from now on."""
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        # Computed outside the lock: two threads may compute the same value once each, never wait on each other.
        value = compute()
        with self.lock:
            self.values[key] = value
            self.values.move_to_end(key)
            while len(self.values) > self.size:
                self.values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Any:
        with self.lock:
            return iter(list(self.values.values()))

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


def site_origin(request: HttpRequest) -> str:
    """Where absolute links point: settings.SITE_URL; without it (a development server), the request's own origin."""
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"
