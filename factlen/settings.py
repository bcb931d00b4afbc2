"""Factlen settings: one module, configured by environment variables.

Every setting that differs between a laptop and production is read from the
environment (or a `.env` file beside manage.py). Defaults are for local
development; production must set DEBUG=false and a SECRET_KEY, and refuses to
start without one.
"""

import datetime
import zoneinfo
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
# Links in email and feeds must be absolute, and no request is at hand when the
# digest runs: the site's public address, as readers reach it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")

# Production must say what it is: a development default here would sign with
# a public key, answer for the wrong host or mail links to 127.0.0.1, silently.
_REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY": "a long random string",
    "ALLOWED_HOSTS": "the host names the site answers to, e.g. factlen.example",
    "SITE_URL": "the public address readers use, e.g. https://factlen.example",
}
if not DEBUG:
    _missing = [name for name in _REQUIRED_IN_PRODUCTION if not globals()[name]]
    if _missing:
        raise ImproperlyConfigured(
            "Production (DEBUG=false) cannot start without these settings:\n"
            + "".join(
                f"  {name} is not set: {_REQUIRED_IN_PRODUCTION[name]}\n" for name in _missing
            )
            + "Set them in the environment (or .env), or set DEBUG=true for local development."
        )
if not SECRET_KEY:
    SECRET_KEY = "insecure-development-key-never-use-in-production"

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "factlen.admin_site.NewsroomAdminConfig",  # django.contrib.admin, newsroom first
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "taggit",
    "reversion",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # Its management commands (backup_db, restore_db, run_scheduler) and the
    # scheduler's record of runs.
    "factlen",
    "adminsortable2",
    "sources",
    "stories",
    "newsletter",
]

MIDDLEWARE = [
    # Times and logs every request, and gives it its id (X-Request-ID).
    "factlen.request_log.RequestLogMiddleware",
    # /healthz and /readyz, answered before host checks, redirects and caches.
    "factlen.health.HealthCheckMiddleware",
    # Where the request reads: a replica for readers' pages (DATABASE_REPLICA_URLS).
    "factlen.replicas.ReplicaReadsMiddleware",
    # REMOTE_ADDR from the trusted proxy's X-Forwarded-For, for everything below.
    "factlen.proxy.ForwardedClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the page cache did not already store compressed. BREACH
    # cannot read a CSRF token out of compressed pages: Django masks the token
    # with a fresh random value in every response.
    "django.middleware.gzip.GZipMiddleware",
    # Anonymous readers' pages come from here; see factlen/caching.py.
    "factlen.caching.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "factlen.request_checks.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "factlen.headers.ContentSecurityPolicyMiddleware",
    "factlen.headers.PermissionsPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "factlen.urls"
WSGI_APPLICATION = "factlen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stories.context_processors.site",
            ],
        },
    },
]
# Django's default form renderer, writing its plainest widgets, labels and
# error lists in Python: the same markup, without the template engine's cost.
FORM_RENDERER = "factlen.form_rendering.QuickRenderer"

# SQLite in a git-ignored folder unless DATABASE_URL says otherwise, e.g.
# postgres://factlen:secret@127.0.0.1:5432/factlen (psycopg 3).
DATA_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'factlen.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes may write (a server beside a task worker): take the
    # write lock when a transaction starts and wait for it, rather than fail
    # with "database is locked" when two transactions both try to upgrade.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # With the database down or unreachable, a reader waits at most this long
    # before getting the "back soon" page, rather than the OS's minutes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=2)
    )
# Read replicas (factlen/replicas.py): readers' pages read from one of these,
# the admin, writes, tasks and commands from DATABASE_URL. Comma-separated,
# e.g. postgres://factlen:secret@replica1:5432/factlen,postgres://…@replica2/factlen.
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
# Seconds to wait for a replica before reading from another or the primary.
DATABASE_REPLICA_CONNECT_TIMEOUT = env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=1)
# How far a replica may lag, in seconds: for this long after a reader writes,
# their requests read from the primary, and so do pages kept for a content
# version this young.
DATABASE_REPLICA_MAX_LAG = env.int("DATABASE_REPLICA_MAX_LAG", default=5)
DATABASE_REPLICAS = []
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = env.db_url_config(_url)
    if {_replica["ENGINE"], DATABASES["default"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: replica {_number} is not a PostgreSQL database like "
            "DATABASE_URL's; replicas are PostgreSQL standbys of the primary."
        )
    _replica["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica.setdefault("OPTIONS", {})
    _replica["OPTIONS"].setdefault("connect_timeout", DATABASE_REPLICA_CONNECT_TIMEOUT)
    # A URL naming the primary by mistake still never takes a write.
    _replica["OPTIONS"].setdefault("options", "-c default_transaction_read_only=on")
    # The test runner points a replica at the test database rather than creating one.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_number}")
DATABASE_ROUTERS = ["factlen.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# /readyz: seconds the database, the cache and the task queue each have to answer.
READY_TIMEOUT = env.float("READY_TIMEOUT", default=2.0)
# What a 503 during a database outage tells clients to wait before retrying.
OUTAGE_RETRY_AFTER = env.int("OUTAGE_RETRY_AFTER", default=10)

# The cache: local memory by default (one process, as `make run` serves);
# production shares one among its processes: CACHE_URL=redis://cache:6379/0.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://factlen")}
CACHES["default"].setdefault("KEY_PREFIX", "factlen")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same, with one Redis client per process instead of one per call.
    CACHES["default"]["BACKEND"] = "factlen.redis_cache.RedisCache"
# Each process's own copies of what is kept under a key naming its version
# (rendered articles and cards, data kept per content version), which never
# change: read before the shared cache (factlen.caching.read_kept). And the
# template fragments, whose keys name the content and code versions too. Both
# bounded: at most some 20 MB each.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "factlen-local",
    "OPTIONS": {"MAX_ENTRIES": 500},
}
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "factlen-fragments",
    "OPTIONS": {"MAX_ENTRIES": 500},
}
# Anonymous readers' pages, feeds and sitemaps are kept in that cache until the
# content changes (factlen/caching.py). PAGE_CACHE=false turns it off.
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)
# How long an unchanged page stays in the cache, in seconds.
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=24 * 60 * 60)
# How long an HTTP cache or CDN in front may keep a page (s-maxage); browsers
# always revalidate. With CACHE_PURGE_URL set, every change also purges it.
PAGE_CACHE_SHARED_SECONDS = env.int("PAGE_CACHE_SHARED_SECONDS", default=300)
CACHE_PURGE_URL = env.str("CACHE_PURGE_URL", default="")
CACHE_PURGE_METHOD = env.str("CACHE_PURGE_METHOD", default="POST")
CACHE_PURGE_TOKEN = env.str("CACHE_PURGE_TOKEN", default="")

# Every account is a newsroom account with access to unpublished work: at
# least 12 characters (OWASP ASVS 2.1.1), not common, not like the username.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes, counted in the database so every gunicorn
# worker sees the same count). After LOGIN_FAILURE_LIMIT failed log-ins for one
# username, or from one address, that username or address is refused for
# LOGIN_COOLOFF_MINUTES; then it may try again (an administrator can lift a
# lock sooner under Axes → Access attempts). A success clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be 1 or more.")
# OWASP ASVS 2.2.1: at most 100 failed attempts an hour on one account. A
# lock can lift 60 // cool-off times within an hour, so that many rounds plus
# the first.
if LOGIN_FAILURE_LIMIT * (60 // LOGIN_COOLOFF_MINUTES + 1) > 100:
    raise ImproperlyConfigured(
        f"LOGIN_FAILURE_LIMIT={LOGIN_FAILURE_LIMIT} every {LOGIN_COOLOFF_MINUTES} minutes "
        "allows more than 100 failed log-ins an hour on one account."
    )
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
# Each alone: one username from any address, and one address for any username.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A locked-out editor gets back in when the cool-off ends, whatever is tried
# meanwhile, so the page can say when.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "factlen.lockout.locked_out"
# The client address is REMOTE_ADDR, never a header a client could forge.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# A session is a newsroom login: it ends with the browser, and after
# SESSION_HOURS (8) in any case.
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=8) * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en-gb"
# Dates and times as the newsroom writes them (factlen/formats).
FORMAT_MODULE_PATH = ["factlen.formats"]
# The newsroom's zone: editors type times in it and readers see times in it,
# labelled; the database keeps UTC (USE_TZ). An unknown name fails loudly here
# rather than showing every reader a wrong time.
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE={TIME_ZONE!r} is not a time zone; use an IANA name such as Europe/London."
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Compressed files with content-hashed names, served by whitenoise.
        # Under DEBUG the plain storage avoids needing collectstatic first.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Uploaded files (story lead images and their renditions) go through the
# default storage: files under MEDIA_ROOT, served at MEDIA_URL (by runserver
# under DEBUG, by the compose stack's Caddy in production), unless
# STORAGE_BUCKET names an S3-compatible bucket, which several web servers
# share. The bucket must let readers fetch its objects (a public-read policy,
# or a CDN in front named by AWS_S3_CUSTOM_DOMAIN): pages link to them.
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGE_BUCKET = env.str("STORAGE_BUCKET", default="")
_MEDIA_ORIGINS = []
if STORAGE_BUCKET:
    _S3 = {
        "bucket_name": STORAGE_BUCKET,
        # Unset, boto3 finds credentials itself (an instance role, ~/.aws).
        "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
        "location": env.str("STORAGE_PREFIX", default="media"),
        # Plain public addresses: a signed one would expire inside cached pages.
        "querystring_auth": False,
        "file_overwrite": False,
        # Every name is new for new content (stories.images), so it never changes.
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _S3}
    if _S3["custom_domain"]:
        _MEDIA_ORIGINS = [f"https://{_S3['custom_domain']}"]
    elif _S3["endpoint_url"]:
        _MEDIA_ORIGINS = [_S3["endpoint_url"].rstrip("/")]
    else:
        _MEDIA_ORIGINS = ["https://*.amazonaws.com"]
elif MEDIA_URL.startswith(("https://", "http://")):
    _MEDIA_ORIGINS = ["/".join(MEDIA_URL.split("/", 3)[:3])]
# Django serves MEDIA_ROOT itself (factlen.views.media) only where nothing
# else does: under DEBUG, with local files.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG) and not STORAGE_BUCKET
if SERVE_MEDIA and not MEDIA_URL.startswith("/"):
    raise ImproperlyConfigured("SERVE_MEDIA needs MEDIA_URL to be a path here, e.g. /media/.")
# Lead image uploads (stories/images.py): at most this many bytes, and this
# many pixels; a bigger picture is refused unread (a decompression bomb is a
# small file that decodes to gigabytes).
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=15 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=50_000_000)
FILE_UPLOAD_PERMISSIONS = 0o644

# check_links fetches only public addresses; these networks (CIDR) are let
# through as well, e.g. a test server on 127.0.0.1/32. Empty in production.
LINK_CHECK_ALLOWED_NETWORKS = env.list("LINK_CHECK_ALLOWED_NETWORKS", default=[])

SITE_NAME = "Factlen"
SITE_TAGLINE = "Every angle. Every day."
STORIES_PER_PAGE = env.int("STORIES_PER_PAGE", default=12)

# Mail goes through EMAIL_URL, e.g. smtp+tls://user:password@smtp.example:587;
# the default prints each message to the console.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Factlen <newsletter@factlen.example>")
# How long a newsletter confirmation link works, in seconds.
NEWSLETTER_CONFIRM_MAX_AGE = env.int("NEWSLETTER_CONFIRM_MAX_AGE", default=3 * 24 * 60 * 60)

# Background work (newsletter/tasks.py, sources/tasks.py, stories/tasks.py)
# goes through Django's tasks API to one of three backends:
# - database (default): a table in DATABASE_URL, run by `manage.py db_worker`;
# - redis: RQ on TASKS_URL (redis://host:6379/1), run by
#   `manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job default`, so more
#   machines add workers by pointing at the same Redis;
# - immediate: run inside the process that asks, at once (the tests).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
TASKS_URL = env.str("TASKS_URL", default="")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r}: use one of {', '.join(_TASK_BACKENDS)}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
if TASKS_BACKEND == "redis":
    if not TASKS_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("TASKS_BACKEND=redis needs TASKS_URL=redis://host:6379/N.")
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": TASKS_URL}}
# A failed task is tried again this many times in all, waiting
# TASK_RETRY_SECONDS, then twice that, and so on (factlen/retries.py).
TASK_ATTEMPTS = env.int("TASK_ATTEMPTS", default=5)
TASK_RETRY_SECONDS = env.int("TASK_RETRY_SECONDS", default=60)

# Periodic work (`manage.py run_scheduler`, factlen/scheduler.py), as crontab
# lines (minute hour day month weekday; a sixth field in front is seconds) in
# the newsroom's time zone (TIME_ZONE). However many schedulers run, each occurrence runs
# once; one missed while no scheduler ran (up to SCHEDULE_CATCH_UP_HOURS ago)
# runs once when one starts.
SCHEDULE = {
    "digest": env.str("SCHEDULE_DIGEST", default="0 7 * * *"),
    # Followers hear of an answer within this long of its story going live.
    "answers": env.str("SCHEDULE_ANSWERS", default="*/5 * * * *"),
    "link_checks": env.str("SCHEDULE_LINK_CHECKS", default="30 2 * * *"),
    "cleanup": env.str("SCHEDULE_CLEANUP", default="0 4 * * *"),
}
SCHEDULE_CATCH_UP_HOURS = env.int("SCHEDULE_CATCH_UP_HOURS", default=24)
# The nightly cleanup forgets finished task results (the database backend's
# table) and scheduled runs this many days old; failures are kept longer, to
# be looked into, and each job's latest run is always kept.
TASK_RESULTS_KEEP_DAYS = env.int("TASK_RESULTS_KEEP_DAYS", default=30)
TASK_FAILURES_KEEP_DAYS = env.int("TASK_FAILURES_KEEP_DAYS", default=90)
if not 1 <= TASK_RESULTS_KEEP_DAYS <= TASK_FAILURES_KEEP_DAYS:
    raise ImproperlyConfigured(
        f"TASK_RESULTS_KEEP_DAYS={TASK_RESULTS_KEEP_DAYS} and TASK_FAILURES_KEEP_DAYS="
        f"{TASK_FAILURES_KEEP_DAYS}: keep results at least a day, and failures at least as long."
    )

# Only a proxy that strips X-Forwarded-Proto from what clients send and sets it
# itself may be trusted with it: otherwise any client could make a plain HTTP
# request look secure (canonical links, redirects and secure cookies follow it).
TRUSTED_PROXY = env.bool("TRUSTED_PROXY", default=False)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a TLS-terminating proxy in production: set both (HSTS to 31536000 once
# every subdomain serves HTTPS).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if SECURE_HSTS_PRELOAD and not (SECURE_HSTS_INCLUDE_SUBDOMAINS and SECURE_HSTS_SECONDS >= 31536000):
    # Browsers' preload list refuses anything less, and a half-made preload
    # request is hard to take back.
    raise ImproperlyConfigured(
        "SECURE_HSTS_PRELOAD needs SECURE_HSTS_INCLUDE_SUBDOMAINS=true and "
        "SECURE_HSTS_SECONDS of at least 31536000 (a year)."
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# How big a form may be. The largest is the story's admin page with every list
# at its limit (stories/limits.py): about 1,400 fields, and some 5 MB if every
# text is full and non-Latin (each byte sent as %XX). Anything bigger is not a
# story, and is refused with a 400 before it is read into memory.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
# Search waits at most this long for the database (PostgreSQL), then says the
# search was too broad rather than holding a worker.
SEARCH_TIMEOUT_MS = env.int("SEARCH_TIMEOUT_MS", default=3000)

# Content-Security-Policy (django-csp, through factlen.headers). Public pages
# load only our own stylesheet, icons and images, and run no script at all.
_NO_PLUGINS_NO_FRAMING = {
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Lead images from the bucket or CDN when media is not on this site.
        "img-src": ["'self'", *_MEDIA_ORIGINS],
        **_NO_PLUGINS_NO_FRAMING,
    }
}
# The admin's own: its scripts are files too, but Django's templates and the
# autocomplete widget (Select2) write inline styles and use data: images.
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *_MEDIA_ORIGINS],
        **_NO_PLUGINS_NO_FRAMING,
    }
}
# Browser features no page uses, turned off for every page and anything in it.
PERMISSIONS_POLICY = dict.fromkeys(
    [
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    ],
    (),
)

# Logs go to standard output, one JSON object a line (LOG_FORMAT=json, the
# default in production) for a log collector, or as plain text under DEBUG.
# factlen.requests writes one line per request (factlen/request_log.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "factlen.request_log.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own logger would print each line a second time through root.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Errors are reported to Sentry when SENTRY_DSN is set; sentry-sdk is imported
# only then (pip install 'factlen[sentry]'; the image has it).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as missing:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install 'factlen[sentry]'."
        ) from missing
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        # Errors only; no readers' addresses, cookies or bodies leave the site.
        traces_sample_rate=0,
        send_default_pii=False,
    )
