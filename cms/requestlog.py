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
MESSAGE = "%(method)s %(path)s %(status)s %(duration_ms)sms %(client)s"


class RequestLogMiddleware:
    """First in MIDDLEWARE, so the duration covers every other middleware, static files included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not logger.isEnabledFor(logging.INFO):  # LOG_REQUESTS=0: not even the clock
            return self.get_response(request)
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
        # logger.info() would first walk the stack to find its caller (a third of its cost), which no format shows.
        record = logger.makeRecord(
            logger.name, logging.INFO, __file__, 0, MESSAGE, fields, None, extra={"request_fields": fields}
        )
        logger.handle(record)
        return response


class TextFormatter(logging.Formatter):
    """logging.Formatter whose time is formatted once a second, not once a line (LOG_FORMAT=text)."""

    _second: tuple[int, str | None, str] = (-1, None, "")  # the second, the date format, the formatted time

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        if self._second[:2] != (second, datefmt):
            self._second = (second, datefmt, time.strftime(datefmt or self.default_time_format, self.converter(second)))
        return self._second[2] if datefmt else self.default_msec_format % (self._second[2], record.msecs)


_json = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False) would make an encoder each line


class JsonFormatter(TextFormatter):
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
        return _json.encode(entry)
