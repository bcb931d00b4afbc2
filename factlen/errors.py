"""What a reader sees when a request fails: the error pages Django's handlers call."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

# Errors that mean the database cannot be reached or used right now (down,
# restarting, refusing connections), rather than a mistake in our code.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After: an outage is temporary, and crawlers and proxies should know it."""
    body = loader.render_to_string(
        "503.html",
        {
            "in_admin": request.path_info.startswith("/admin/"),
            "retry_after": settings.OUTAGE_RETRY_AFTER,
        },
    )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request) -> HttpResponse:
    """handler500: called while the uncaught exception is being handled."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable(request)
    # Only the request id: it finds the traceback in the logs (and Sentry), and
    # tells the reader nothing about our code.
    body = loader.render_to_string("500.html", {"request_id": getattr(request, "request_id", "")})
    response = HttpResponse(body, status=500)
    response["Cache-Control"] = "no-store"
    return response
