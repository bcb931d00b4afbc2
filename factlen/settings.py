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
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or .env), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "adminsortable2",
    "sources",
    "stories",
    "newsletter",
]

MIDDLEWARE = [
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: local memory by default (one process, as `make run` serves);
# production shares one among its processes: CACHE_URL=redis://cache:6379/0.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://factlen")}
CACHES["default"].setdefault("KEY_PREFIX", "factlen")
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

# check_links fetches only public addresses; these networks (CIDR) are let
# through as well, e.g. a test server on 127.0.0.1/32. Empty in production.
LINK_CHECK_ALLOWED_NETWORKS = env.list("LINK_CHECK_ALLOWED_NETWORKS", default=[])

SITE_NAME = "Factlen"
SITE_TAGLINE = "Every angle. Every day."
STORIES_PER_PAGE = env.int("STORIES_PER_PAGE", default=12)

# Links in email must be absolute, and no request is at hand when the digest
# runs: the site's public address, as readers reach it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Mail goes through EMAIL_URL, e.g. smtp+tls://user:password@smtp.example:587;
# the default prints each message to the console.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Factlen <newsletter@factlen.example>")
# How long a newsletter confirmation link works, in seconds.
NEWSLETTER_CONFIRM_MAX_AGE = env.int("NEWSLETTER_CONFIRM_MAX_AGE", default=3 * 24 * 60 * 60)

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
        "img-src": ["'self'"],
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
        "img-src": ["'self'", "data:"],
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own logger would print each line a second time through root.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
