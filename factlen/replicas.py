"""Read replicas: readers' pages are read from a replica, everything else from the primary.

With DATABASE_REPLICA_URLS set, settings add one database alias per replica
(`replica1`, `replica2`…, listed in settings.DATABASE_REPLICAS). A request may
read from a replica when it is a reader's GET or HEAD outside the admin,
carries no session (staff write; readers never get one) and was not preceded
by a write of the same reader in the last DATABASE_REPLICA_MAX_LAG seconds (a
short-lived cookie says so). Everything else reads from the primary: the
admin, other methods, tasks, management commands and the shell (no request
at all). Every write goes to the primary, and once a request has written,
its later reads do too, so a reader sees their own change at once.

A replica is picked at random per request and connected to before it is
used: one that cannot be reached within DATABASE_REPLICA_CONNECT_TIMEOUT is
left alone for REPLICA_RETRY_SECONDS and the request reads from another, or
from the primary. A replica outage slows no reader for long and breaks none.

Without replicas, the middleware and the router step aside: no request state
is kept and every query goes where it always went.
"""

import contextvars
import logging
import random
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.urls import reverse

logger = logging.getLogger(__name__)

# Set on a reader's response when the request wrote; while it lasts, reads go
# to the primary, which has the write a replica may not have yet.
WROTE_COOKIE = "factlen_wrote"
# How long a replica that could not be reached is left alone before it is tried again.
REPLICA_RETRY_SECONDS = 5.0

# Alias → time.monotonic() before which it is not tried again (per process).
_down_until: dict[str, float] = {}


class RequestReads:
    """Where one request's reads go: a replica while that is allowed, then the primary."""

    def __init__(self, *, replica_allowed: bool):
        self.replica_allowed = replica_allowed
        self.wrote = False
        self._replica = None

    def alias(self) -> str:
        if not self.replica_allowed:
            return DEFAULT_DB_ALIAS
        if self._replica is None:
            self._replica = pick_replica()
        return self._replica

    def stay_on_primary(self) -> None:
        self.replica_allowed = False


_current: contextvars.ContextVar[RequestReads | None] = contextvars.ContextVar(
    "factlen_request_reads", default=None
)


def read_from_primary() -> None:
    """The rest of this request reads from the primary (no-op outside a request)."""
    if (reads := _current.get()) is not None:
        reads.stay_on_primary()


def pick_replica() -> str:
    """A replica that answers, at random, or the primary if none does."""
    now = time.monotonic()
    candidates = [a for a in settings.DATABASE_REPLICAS if _down_until.get(a, 0.0) <= now]
    random.shuffle(candidates)
    for alias in candidates:
        connection = connections[alias]
        try:
            # A kept connection the replica has since dropped is closed here, not
            # met by the page's first query.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DatabaseError as error:
            _down_until[alias] = time.monotonic() + REPLICA_RETRY_SECONDS
            logger.warning(
                "Replica %s unavailable, reading from %s for %g s: %s",
                alias,
                "another" if len(candidates) > 1 else "the primary",
                REPLICA_RETRY_SECONDS,
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
            )
            connection.close()
            continue
        _down_until.pop(alias, None)
        return alias
    return DEFAULT_DB_ALIAS


def may_read_from_replica(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path_info.startswith(reverse("admin:index"))
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and WROTE_COOKIE not in request.COOKIES
    )


class ReplicaReadsMiddleware:
    """Decide where each request reads, and mark a reader who wrote for a few seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        reads = RequestReads(replica_allowed=may_read_from_replica(request))
        token = _current.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if reads.wrote:
            response.set_cookie(
                WROTE_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_MAX_LAG,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class ReplicaRouter:
    """Reads as the request allows (the primary outside requests); writes and migrations
    on the primary only."""

    def db_for_read(self, model, **hints):
        reads = _current.get()
        return None if reads is None else reads.alias()

    def db_for_write(self, model, **hints):
        reads = _current.get()
        if reads is not None:
            reads.wrote = True
            reads.stay_on_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # A replica holds the primary's rows: an object read from either may
        # point at one read from the other.
        aliases = {DEFAULT_DB_ALIAS, *settings.DATABASE_REPLICAS}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica follows the primary's schema; it cannot be written to.
        return False if db in settings.DATABASE_REPLICAS else None
