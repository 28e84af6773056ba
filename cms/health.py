"""Health checks for load balancers: /healthz (the process answers) and /readyz (it can serve the public).

Both answer a bare "ok" or "unavailable": what failed goes to the log, never to whoever asks.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from cms import live

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive: no database, no cache, nothing that a slow neighbour could make fail."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """The database answers and every live release loads: this server can take public traffic."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        live.wizards()  # loads each live release that this process does not hold yet
    except (DatabaseError, KeyError, TypeError, ValueError):  # no database, or a release that does not load
        logger.exception("Not ready")
        return HttpResponse("unavailable\n", content_type="text/plain", status=503)
    return HttpResponse("ok\n", content_type="text/plain")
