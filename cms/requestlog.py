"""One log line per request, with its status and duration: what an operator greps, or a log tool parses (JSON)."""

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from cms import clientip

logger = logging.getLogger("cms.requests")

FIELDS = ("method", "path", "status", "duration_ms", "client")


class RequestLogMiddleware:
    """First in MIDDLEWARE, so the duration covers every other middleware, static files included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        # The path without its query string: a preview link's token must not end up in the logs.
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "client": clientip.address(request),
        }
        logger.info(
            "%(method)s %(path)s %(status)s %(duration_ms)sms %(client)s", fields, extra={"request_fields": fields}
        )
        return response


class JsonFormatter(logging.Formatter):
    """Every record as one JSON object a line (LOG_FORMAT=json); a request's fields are top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "request_fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
