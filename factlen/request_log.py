"""One JSON log line per request, and a request id that ties it all together.

Each request gets an id: the proxy's X-Request-ID when a trusted proxy sent a
sane one (Caddy sets a fresh UUID), or a new one. It is sent back in the
response's X-Request-ID, shown on the 500 page, added to every log line
written while the request runs, and tagged on its Sentry events, so a reader's
"it broke, here is the id" finds the traceback.
"""

import contextvars
import json
import logging
import re
import sys
import time
import uuid

from django.conf import settings

logger = logging.getLogger("factlen.requests")

# What a proxy's id may look like: nothing that could forge or break a log line.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# The current request's id, for log lines written anywhere during it.
current_request_id = contextvars.ContextVar("request_id", default=None)


def request_id_for(request) -> str:
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    if settings.TRUSTED_PROXY and REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """First in the stack, so it times and logs every request, probes and errors included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = request_id_for(request)
        token = current_request_id.set(request.request_id)
        sentry = sys.modules.get("sentry_sdk")  # only when SENTRY_DSN loaded it
        if sentry is not None:
            sentry.get_isolation_scope().set_tag("request_id", request.request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request.request_id,
                },
            )
            return response
        finally:
            current_request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, the request's
    fields when it has them, and the traceback of an error."""

    FIELDS = ("method", "path", "status", "duration_ms", "request_id")
    converter = time.gmtime  # the "Z" below: UTC

    def format(self, record):
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        request_id = current_request_id.get()
        if request_id and "request_id" not in line:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
