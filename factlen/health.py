"""Health probes for the proxy, the orchestrator and uptime monitors.

`/healthz` says the process answers and touches nothing else, so a database
outage never gets healthy web processes restarted. `/readyz` says whether this
process can serve: the database and the cache must each answer within
READY_TIMEOUT seconds, and so must the task queue where tasks are queued
(Redis for TASKS_BACKEND=redis, the tasks table for database; the immediate
backend has none); any that does not is named in a 503.

They are answered by a middleware at the top of the stack, before host
validation, HTTPS redirects, sessions and the page cache: a probe comes from
inside the network under whatever host name it uses, over plain HTTP, and its
answer must never be a stored one.
"""

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


def check_database() -> None:
    # Runs in its own thread, hence its own connection: closed here so a probe
    # every few seconds leaves nothing open.
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_cache() -> None:
    key = f"factlen:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("a value written could not be read back")
    cache.delete(key)


def check_queue_table() -> None:
    """The database backend's queue is a table: it must answer a read."""
    try:
        DBTaskResult.objects.exists()
    finally:
        connections[DBTaskResult.objects.db].close()


def check_queue_redis() -> None:
    """RQ's queues live in Redis: each one's server must answer a ping."""
    for queue in settings.RQ_QUEUES.values():
        client = redis.Redis.from_url(
            queue["URL"],
            socket_connect_timeout=settings.READY_TIMEOUT,
            socket_timeout=settings.READY_TIMEOUT,
        )
        try:
            client.ping()
        finally:
            client.close()


def queue_check():
    """How to ask the configured task backend's queue, or None where tasks are not queued."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if isinstance(backend, DatabaseBackend):
        return check_queue_table
    if type(backend).__module__.startswith("django_tasks_rq"):
        return check_queue_redis
    return None  # the immediate backend runs a task where it is enqueued


def checks() -> dict:
    """What /readyz asks, by the name a failure is reported under."""
    found = {"database": check_database, "cache": check_cache}
    if (queue := queue_check()) is not None:
        found["queue"] = queue
    return found


def readiness(timeout: float) -> dict[str, str]:
    """Each check's outcome ("ok" or why not), all run at once within `timeout` seconds."""
    results = {}
    to_run = checks()
    pool = ThreadPoolExecutor(max_workers=len(to_run), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in to_run.items()}
    deadline = time.monotonic() + timeout
    for name, future in futures.items():
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
            results[name] = "ok"
        except FuturesTimeout:
            results[name] = f"no answer within {timeout:g} s"
        except Exception as exc:  # any failure at all means not ready
            results[name] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}"
    # A check still hanging is left to finish on its own; the probe answers now.
    pool.shutdown(wait=False)
    return results


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    add_never_cache_headers(response)
    return response


def healthz() -> HttpResponse:
    return _json(200, {"status": "ok"})


def readyz() -> HttpResponse:
    checks = readiness(settings.READY_TIMEOUT)
    failed = [name for name, outcome in checks.items() if outcome != "ok"]
    if failed:
        return _json(503, {"status": "unavailable", "failed": failed, "checks": checks})
    return _json(200, {"status": "ok", "checks": checks})


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before anything else in the stack runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            if request.path_info == HEALTH_PATH:
                return healthz()
            if request.path_info == READY_PATH:
                return readyz()
        return self.get_response(request)
