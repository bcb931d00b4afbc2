"""Readers' pages from the cache, and a change on the very next request.

Everything a reader sees is drawn from one *content state*, kept in the
configured cache: a version token, when it last changed, and when the next
scheduled story goes live. Any change a reader could see (an edit, a publish,
a correction, a source or outlet edit...) calls `content_changed()`, which
starts a new version; pages and other derived data are stored under the
version they were built from, so a new version makes every one of them miss
at once. The state also turns over by itself at the moment a scheduled story
goes live, so no page outlives that moment and no cron job is needed.

`content_changed()` runs twice for a change: at once, so the writer's own
transaction sees it, and again when the transaction commits, so a page
rendered by another process from the data before the commit is never kept
under the new version.

Across processes the cache must be shared (CACHE_URL=redis://…): local
memory, the default, serves one process, as `make run` does.
"""

import collections
import contextvars
import functools
import gzip
import hashlib
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import InvalidCacheBackendError, cache, caches
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django_tasks import task

from factlen.replicas import read_from_primary
from factlen.retries import retrying

logger = logging.getLogger(__name__)

# Source folders whose files make up what readers are served.
CODE_FOLDERS = ("factlen", "stories", "sources", "newsletter", "templates")
CODE_SUFFIXES = {".py", ".html", ".xml", ".txt"}
# Pages bigger than this are served but not kept: a cache entry should stay small.
MAX_CACHED_BYTES = 2 * 1024 * 1024
# Headers set afresh on every response from the cache; a cached page keeps the rest
# (content type, security headers set by inner middleware...).
FRESH_HEADERS = {
    "cache-control", "content-encoding", "content-length", "date", "etag", "expires",
    "last-modified", "set-cookie", "vary", "x-page-cache",
}  # fmt: skip


# Process memory in front of the shared cache for what is kept under a key that
# names a version (settings.CACHES; see `read_kept`).
LOCAL_CACHE = "local"


@dataclass(frozen=True)
class ContentState:
    version: str
    changed_at: float  # when this version began (epoch seconds): Last-Modified
    next_change_at: float | None  # when the next scheduled story goes live

    def seconds_to_next_change(self, now: float) -> float | None:
        return None if self.next_change_at is None else max(0.0, self.next_change_at - now)

    def is_over(self, now: float) -> bool:
        return self.next_change_at is not None and now >= self.next_change_at


class _RequestState:
    """The content state as the current request first read it."""

    __slots__ = ("state",)

    def __init__(self):
        self.state = None


# Set by PageCacheMiddleware for the length of each request: a page is rendered
# from one content version, and the navigation, the kept fragments and the
# data they show then cost no further read of the state.
_request_state = contextvars.ContextVar("factlen_request_state", default=None)


@functools.cache
def code_version() -> str:
    """A digest of the code, templates, static file names and display settings.

    Part of every key, so a deploy (new templates, new hashed stylesheet
    names) never serves what the code before it rendered.
    """
    digest = hashlib.sha256()
    base = settings.BASE_DIR
    for folder in CODE_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    for name in ("TIME_ZONE", "LANGUAGE_CODE", "SITE_NAME", "SITE_TAGLINE", "STORIES_PER_PAGE"):
        digest.update(f"{name}={getattr(settings, name)!r}".encode())
    return digest.hexdigest()[:12]


def _state_key() -> str:
    return f"factlen:content-state:{code_version()}"


# When the next scheduled change comes (a datetime, or None): the stories app
# says, at start-up (stories.apps), as this module may not import it.
_next_scheduled_time = None


def schedule_from(next_scheduled_time) -> None:
    """Tell the cache how to find when the next scheduled story goes live."""
    global _next_scheduled_time
    _next_scheduled_time = next_scheduled_time


def _new_state(*, next_change_at=None, scheduling=True) -> ContentState:
    if scheduling:
        upcoming = _next_scheduled_time() if _next_scheduled_time else None
        next_change_at = upcoming.timestamp() if upcoming else None
    state = ContentState(
        version=uuid.uuid4().hex[:16], changed_at=time.time(), next_change_at=next_change_at
    )
    cache.set(_state_key(), state, timeout=None)
    _remember(state)
    return state


def _remember(state: ContentState) -> None:
    if (request_state := _request_state.get()) is not None:
        request_state.state = state


def content_state() -> ContentState:
    """The current content state; a new one once a scheduled story's time comes.

    Read once per request (a change made during the request is seen at once).
    """
    request_state = _request_state.get()
    known = request_state.state if request_state is not None else None
    if known is not None and not known.is_over(time.time()):
        return known
    state = _current(cache.get(_state_key()))
    _remember(state)
    return state


def _current(state: ContentState | None) -> ContentState:
    """`state` as read from the cache, or a new one if there was none or its time is up.

    With read replicas, a request meeting a state younger than
    DATABASE_REPLICA_MAX_LAG reads from the primary: a replica may not have
    the change that started it yet, and what is read now is kept under it.
    """
    now = time.time()
    turning_over = state is None or state.is_over(now)
    if turning_over or now - state.changed_at < settings.DATABASE_REPLICA_MAX_LAG:
        read_from_primary()
    if turning_over:
        try:
            state = _new_state()
        except DatabaseError:
            # The database is down: the pages kept for the last state are still
            # the best there is, so go on serving them; with none, fail.
            if state is None:
                raise
    return state


def content_changed(*, scheduling=False) -> None:
    """Something readers see has changed: start a new version now and on commit.

    `scheduling`: the change may move when the next scheduled story goes live
    (a story was saved), so look that up again now rather than only on commit.
    """
    if scheduling:
        _new_state()
    else:
        previous = cache.get(_state_key())
        _new_state(
            next_change_at=previous.next_change_at if previous else None,
            scheduling=previous is None,
        )
    connection = transaction.get_connection()
    # One commit hook per transaction, however many rows it changes.
    if not any(hook is _committed_change for _, hook, _ in connection.run_on_commit):
        transaction.on_commit(_committed_change)


def _committed_change() -> None:
    _new_state()
    if settings.CACHE_PURGE_URL:
        purge_shared_caches_task.enqueue()


def cached_for_version(key: str, compute, timeout: int | None = None):
    """`compute()`, kept until the content changes (data every page shares)."""
    full_key = f"factlen:data:{content_state().version}:{key}"
    value = read_kept([full_key]).get(full_key)
    if value is None:
        value = compute()
        keep({full_key: value}, timeout or settings.PAGE_CACHE_TIMEOUT)
    return value


def _local_cache():
    try:
        return caches[LOCAL_CACHE]
    except InvalidCacheBackendError:  # settings without it: the shared cache alone
        return None


def read_kept(keys: list[str]) -> dict:
    """What is kept under `keys`, each naming the version of what it holds.

    What such a key holds never changes (a change makes a new key), so each
    process keeps a copy of what it reads in its own memory (settings'
    `local` cache, bounded) and asks the shared cache only for the rest: one
    round trip, or none.
    """
    local = _local_cache()
    found = local.get_many(keys) if local is not None else {}
    if missing := [key for key in keys if key not in found]:
        shared = cache.get_many(missing)
        if shared and local is not None:
            local.set_many(shared, settings.PAGE_CACHE_TIMEOUT)
        found.update(shared)
    return found


def kept_per_version(kind: str, versions: dict, make) -> dict:
    """{id: value} for every id of `versions` ({id: its version, as text}):
    what is kept under `kind`, the code's version and the id's version, read
    at once (read_kept); `make(missing ids)` gives {id: value} for the rest,
    which is kept in its turn. (A card per story, a feed entry per story.)"""
    prefix = f"factlen:{kind}:{code_version()}"
    keys = {pk: f"{prefix}:{pk}:{version}" for pk, version in versions.items()}
    kept = read_kept(list(keys.values())) if keys else {}
    found = {pk: kept[key] for pk, key in keys.items() if key in kept}
    if missing := [pk for pk in keys if pk not in found]:
        made = make(missing)
        if made:
            keep({keys[pk]: value for pk, value in made.items()}, settings.PAGE_CACHE_TIMEOUT)
        found.update(made)
    return found


def keep(values: dict, timeout: int) -> None:
    """Keep `values` under keys that name their version, for `read_kept`."""
    cache.set_many(values, timeout)
    if (local := _local_cache()) is not None:
        local.set_many(values, timeout)


def purge_shared_caches() -> None:
    """Ask the HTTP cache or CDN in front of the site to drop what it holds.

    Pages carry `s-maxage`, so a shared cache may keep them; CACHE_PURGE_URL
    names an endpoint (a Varnish ban, a CDN's purge-everything API) that is
    sent one request per change, by a task (retried), so no save waits for
    it. A failure is logged: the shared cache then serves a page at most
    PAGE_CACHE_SHARED_SECONDS old.
    """
    try:
        _purge()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.warning("Cache purge at %s failed: %s", settings.CACHE_PURGE_URL, exc)


@task(takes_context=True)
@retrying
def purge_shared_caches_task():
    """purge_shared_caches, failing loudly so that the task is tried again."""
    _purge()


def _purge() -> None:
    url = settings.CACHE_PURGE_URL
    if not url:
        return
    headers = {"User-Agent": "Factlen cache purge"}
    if settings.CACHE_PURGE_TOKEN:
        headers["Authorization"] = f"Bearer {settings.CACHE_PURGE_TOKEN}"
    request = urllib.request.Request(url, method=settings.CACHE_PURGE_METHOD, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        response.read(1024)


def public_page(view):
    """Mark a view's 200 responses as the same for every anonymous reader.

    Only marked views are kept by PageCacheMiddleware, and only when the
    response sets no cookie and holds no CSRF token.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.public_page = True
        return response

    wrapped.public_page = True
    return wrapped


@dataclass(frozen=True)
class CachedPage:
    version: str  # the content version it was rendered from
    status: int
    headers: tuple[tuple[str, str], ...]
    body_gzip: bytes
    etag: str
    last_modified: float
    last_modified_http: str  # the same, as the header says it


class LocalPages:
    """The pages this process served last, as objects (no pickling: a
    CachedPage never changes): at most `size` of them and `max_bytes` of
    compressed bodies, the least recently served dropped first. Each is
    served only under the version it names."""

    def __init__(self, size: int, max_bytes: int = 16 * 1024 * 1024):
        self.size, self.max_bytes = size, max_bytes
        self._pages: collections.OrderedDict[str, CachedPage] = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # runserver serves in threads

    def get(self, key) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key, page: CachedPage) -> None:
        with self._lock:
            if (old := self._pages.pop(key, None)) is not None:
                self._bytes -= _size(old)
            self._pages[key] = page
            self._bytes += _size(page)
            while len(self._pages) > self.size or self._bytes > self.max_bytes:
                self._bytes -= _size(self._pages.popitem(last=False)[1])

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0


def _size(page) -> int:
    return len(getattr(page, "body_gzip", b""))


# Pages are some 4–40 KB gzipped: 200 of them are a few MB per process.
_local_pages = LocalPages(200)


# Longest path whose "is it a public page?" answer is remembered, and how many are.
REMEMBERED_PATH_LENGTH = 300
REMEMBERED_PATHS = 2048


@functools.lru_cache(maxsize=REMEMBERED_PATHS)
def _public_path(urlconf: str, path: str) -> bool:
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return getattr(match.func, "public_page", False)


def is_public_path(path: str) -> bool:
    """Whether `path` is served by a view marked `public_page`.

    Remembered per path (the URL patterns do not change while the process
    runs), so a page served from the cache is not resolved each time.
    """
    urlconf = settings.ROOT_URLCONF
    if len(path) > REMEMBERED_PATH_LENGTH:
        return _public_path.__wrapped__(urlconf, path)
    return _public_path(urlconf, path)


class PageCacheMiddleware:
    """Serve anonymous readers' public pages from the cache.

    Keyed by the code version, scheme, host, path and query; each page
    holds the content version it was rendered from and is served only while
    that version is current. The content state and the page are read in one
    round trip to the cache. Pages are stored gzip-compressed once and sent
    as they are to clients that accept gzip (nearly all), so a hit costs one
    cache read and no rendering. Each
    response carries a weak ETag and Last-Modified for conditional requests,
    and `Cache-Control` that lets a shared HTTP cache keep it for
    PAGE_CACHE_SHARED_SECONDS, never past the next scheduled story's time,
    while browsers revalidate on every view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_state.set(_RequestState())
        try:
            return self._serve(request)
        finally:
            _request_state.reset(token)

    def _serve(self, request):
        if not self._cacheable_request(request):
            return self.get_response(request)
        key = self._key(request)
        state_key = _state_key()
        # A page this process served under the current version is in its
        # memory: the shared cache is asked for the state alone (a few bytes,
        # where the page is kilobytes to send and unpickle), or, the first
        # time, for both in one round trip.
        local = _local_pages.get(key)
        if local is not None:
            state = _current(cache.get(state_key))
            page = local if local.version == state.version else cache.get(key)
        else:
            found = cache.get_many([state_key, key])
            state = _current(found.get(state_key))
            page = found.get(key)
        _remember(state)
        if page is not None and page.version == state.version:
            if page is not local:  # the process's own copy is already the newest
                _local_pages.put(key, page)
            return self._respond(request, page, state, "hit")
        response = self.get_response(request)
        if not self._cacheable_response(request, response):
            return response
        page = self._store(key, response, state)
        return self._respond(request, page, state, "miss")

    @staticmethod
    def _cacheable_request(request) -> bool:
        if not (
            settings.PAGE_CACHE
            and request.method in ("GET", "HEAD")
            # Staff carry a session; readers never get one.
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
        ):
            return False
        return is_public_path(request.path_info)

    @staticmethod
    def _cacheable_response(request, response) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            getattr(response, "public_page", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            # A page holding a CSRF token belongs to one reader.
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and "private" not in cache_control
            and "no-store" not in cache_control
            and not response.has_header("Content-Encoding")
            and len(response.content) <= MAX_CACHED_BYTES
        )

    @staticmethod
    def _key(request) -> str:
        target = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(target.encode()).hexdigest()[:32]
        return f"factlen:page:{code_version()}:{digest}"

    @staticmethod
    def _store(key, response, state) -> CachedPage:
        body = response.content
        page = CachedPage(
            version=state.version,
            status=response.status_code,
            headers=tuple(
                (name, value)
                for name, value in response.items()
                if name.lower() not in FRESH_HEADERS
            ),
            body_gzip=gzip.compress(body, compresslevel=6, mtime=0),
            etag=f'W/"{hashlib.sha256(body).hexdigest()[:32]}"',
            last_modified=state.changed_at,
            last_modified_http=http_date(state.changed_at),
        )
        cache.set(key, page, settings.PAGE_CACHE_TIMEOUT)
        _local_pages.put(key, page)
        return page

    @staticmethod
    def _respond(request, page, state, outcome) -> HttpResponse:
        accepts_gzip = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "").lower()
        body = page.body_gzip if accepts_gzip else gzip.decompress(page.body_gzip)
        response = HttpResponse(body, status=page.status)
        for header, value in page.headers:
            response[header] = value
        if accepts_gzip:
            response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(body))
        patch_vary_headers(response, ["Accept-Encoding"])
        response["ETag"] = page.etag
        response["Last-Modified"] = page.last_modified_http
        shared = settings.PAGE_CACHE_SHARED_SECONDS
        until_next = state.seconds_to_next_change(timezone.now().timestamp())
        if until_next is not None:
            shared = min(shared, int(until_next))
        response["Cache-Control"] = f"public, max-age=0, must-revalidate, s-maxage={shared}"
        response["X-Page-Cache"] = outcome
        if not (
            request.META.get("HTTP_IF_NONE_MATCH") or request.META.get("HTTP_IF_MODIFIED_SINCE")
        ):
            return response
        conditional = get_conditional_response(
            request, etag=page.etag, last_modified=int(page.last_modified), response=response
        )
        if conditional is not response:
            conditional["X-Page-Cache"] = outcome
        return conditional
