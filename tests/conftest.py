"""Fixtures shared by the suite; each name means one thing everywhere.

The newsroom's people are members of its real groups (stories.roles), never
superusers, so tests exercise the permissions the newsroom relies on.
"""

import os
import shutil

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test import override_settings

from factlen import caching
from stories.models import Story
from stories.roles import EDITOR, WRITER

from .factories import StoryFactory, TopicFactory, complete_story, newsroom_member
from .tasks import manage

# A gunicorn on a PostgreSQL cluster the tests may stop (outage tests).
from .throwaway_site import throwaway_postgres, throwaway_site  # noqa: F401


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Passwords are hashed with MD5 in tests: Django's PBKDF2 costs 0.23 s of CPU per
    hash on a 2-core development machine, and every newsroom member the tests make
    has a password.

    Only this process: the site itself keeps Django's default (a test in
    test_settings.py holds it to that), and servers the tests start use it.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def empty_caches():
    """Cached pages and counters outlive a test's database rows: start each test without them."""
    for cache in caches.all():
        cache.clear()
    caching._local_pages.clear()
    yield
    for cache in caches.all():
        cache.clear()
    caching._local_pages.clear()


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Background tasks run where they are enqueued, so a test sees their effect.

    Tests of the queue itself (tests/test_tasks.py...) switch to the database
    or Redis backend and run a real worker.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture
def queued(settings):
    """Tasks go to django-tasks-db's table, to be run by tests.tasks.run_worker()."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory):
    """An SQLite file migrated once per test process, for site_env to copy."""
    path = tmp_path_factory.mktemp("migrated") / "site.sqlite3"
    env = {"PATH": os.environ.get("PATH", ""), "DEBUG": "true", "DATABASE_URL": f"sqlite:///{path}"}
    manage(env, "migrate", "--noinput")
    return path


@pytest.fixture(scope="session")
def demo_sqlite_file(migrated_sqlite_file, tmp_path_factory):
    """That file with the demo content (seed_demo) too, once per test process."""
    path = tmp_path_factory.mktemp("demo") / "site.sqlite3"
    shutil.copyfile(migrated_sqlite_file, path)
    env = {"PATH": os.environ.get("PATH", ""), "DEBUG": "true", "DATABASE_URL": f"sqlite:///{path}"}
    manage(env, "seed_demo")
    return path


@pytest.fixture
def site_env(request, tmp_path, transactional_db):
    """Environment for manage.py in other processes, on a database this test sees too.

    On PostgreSQL that is the test database itself (so the test commits for
    real); on SQLite a copy of a migrated file in the test's folder. Periodic
    jobs are set to New Year's midnight, so no scheduler runs them unasked.
    """
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "true",
        "TASKS_BACKEND": "immediate",
        "LOG_LEVEL": "INFO",
        "SCHEDULE_DIGEST": "0 0 1 1 *",
        "SCHEDULE_LINK_CHECKS": "0 0 1 1 *",
        "SCHEDULE_CLEANUP": "0 0 1 1 *",
        "SCHEDULE_ANSWERS": "0 0 1 1 *",
    }
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    else:
        site = tmp_path / "site.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), site)
        env["DATABASE_URL"] = f"sqlite:///{site}"
    return env


def worker_number() -> int:
    """0 for a plain run, n for pytest-xdist's worker gwN."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def per_worker_redis(variable, first_db):
    """This test process's own Redis database, so parallel workers never share one.

    By default worker n takes database first_db + n (n below 6: the cache
    takes 10-15, the task queue 4-9). The variable may name the databases
    instead, one URL per worker, comma-separated (on a Redis others use too).
    """
    n = worker_number()
    urls = [url.strip() for url in os.environ.get(variable, "").split(",") if url.strip()]
    if not urls:
        if n >= 6:
            raise pytest.UsageError(f"{variable}: set one Redis URL per worker beyond 6 workers")
        return f"redis://127.0.0.1:6379/{first_db + n}"
    if n >= len(urls):
        raise pytest.UsageError(f"{variable} names {len(urls)} Redis URLs, not one for worker {n}")
    return urls[n]


def redis_url():
    """A Redis database for the cache, this test process's own."""
    return per_worker_redis("TEST_REDIS_URL", 10)


@pytest.fixture
def redis_cache_settings():
    """CACHES settings for the machine's real Redis, emptied before and after.

    Skipped where no Redis runs, unless CI or REDIS_REQUIRED says it must.
    """
    url = redis_url()
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as error:
        if os.environ.get("CI") or os.environ.get("REDIS_REQUIRED"):
            raise
        pytest.skip(f"no Redis at {url} ({error})")
    client.flushdb()
    yield {"BACKEND": "factlen.redis_cache.RedisCache", "LOCATION": url}
    client.flushdb()
    client.close()


@pytest.fixture
def redis_queue():
    """A Redis database for a task queue (RQ), this test process's own, emptied before
    and after; skipped as redis_cache_settings is where no Redis runs."""
    url = per_worker_redis("TASKS_TEST_REDIS_URL", 4)
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as error:
        if os.environ.get("CI") or os.environ.get("REDIS_REQUIRED"):
            raise
        pytest.skip(f"no Redis at {url} ({error})")
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def editor(db):
    """Erin, in the Editor group."""
    return newsroom_member("erin", EDITOR)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def writer(db):
    """Wendy, in the Writer group."""
    return newsroom_member("wendy", WRITER)


@pytest.fixture
def other_writer(db):
    """Walt, also in the Writer group: not the writer of the stories at hand."""
    return newsroom_member("walt", WRITER)


@pytest.fixture
def topic(db):
    return TopicFactory(name="AI", slug="ai", description="Artificial intelligence.")


@pytest.fixture
def published_story(topic) -> Story:
    return complete_story(topic=topic, slug="open-weights", title="Open weights debate")


@pytest.fixture
def draft_story(topic) -> Story:
    return StoryFactory(topic=topic, draft=True, slug="unfinished", title="Unfinished draft")
