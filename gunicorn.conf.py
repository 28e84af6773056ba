"""Gunicorn's settings for this project: `gunicorn -c gunicorn.conf.py cms.wsgi` (bin/demo does).

Only what concerns the process as a whole lives here; binding, workers and logging stay on the command line.
"""

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once a worker has loaded Django and the project, move what it loaded out of the garbage collector's sight.

    Modules, settings, URL patterns and templates live as long as the process: freezing them spares every full
    collection from walking them again. A process-wide decision, so it is taken here, at start-up, and never in
    request code (releases loaded later are left to the collector, like any other object).
    """
    gc.collect()
    gc.freeze()
