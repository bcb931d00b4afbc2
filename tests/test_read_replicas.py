"""Readers' pages read from a replica; the admin, writes and a reader's next
requests after a write read from the primary; a replica that is down costs
nothing but a moment.

In this process a replica alias is added beside the test database, as a
read-only mirror of it, and each alias's queries are captured. The end of the
file runs the site against a real streaming replica of a throwaway primary.
"""

import dataclasses
import http.cookiejar
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.throwaway_postgres import ThrowawayReplica, free_port
from factlen import caching, replicas, scheduler
from stories.models import Story
from stories.search import refresh_search_vectors

from .tasks import manage
from .throwaway_site import database_stopped, fetch, production_env, serving

REPLICA = "replica1"


def add_replica_alias(settings, **changes):
    """A replica alias on the test database itself (or as `changes` say), read-only."""
    mirror = {**connection.settings_dict, "OPTIONS": {**connection.settings_dict["OPTIONS"]}}
    if connection.vendor == "postgresql":
        mirror["OPTIONS"]["options"] = "-c default_transaction_read_only=on"
    mirror.update(changes)
    # Made by hand rather than added to settings: the test case then treats it as
    # a connection made on the fly, as it does a thread's, and lets it connect.
    wrapper = load_backend(mirror["ENGINE"]).DatabaseWrapper(mirror, REPLICA)
    setattr(connections._connections, REPLICA, wrapper)
    settings.DATABASE_REPLICAS = [REPLICA]
    replicas._down_until.clear()


def remove_replica_alias():
    connections[REPLICA].close()
    delattr(connections._connections, REPLICA)
    replicas._down_until.clear()


@pytest.fixture
def replica(settings, transactional_db):
    # Committed rows (transactional_db): a replica's connection cannot see
    # another connection's open transaction, as a real replica cannot.
    add_replica_alias(settings)
    yield REPLICA
    remove_replica_alias()


@pytest.fixture
def settled_content():
    """A content version older than DATABASE_REPLICA_MAX_LAG: replicas have it by now."""
    state = caching.content_state()
    cache.set(caching._state_key(), dataclasses.replace(state, changed_at=time.time() - 60), None)


@contextmanager
def queries_by_alias():
    """{alias: [sql, ...]} for the primary and the replica, filled as the block runs."""
    captured = {DEFAULT_DB_ALIAS: [], REPLICA: []}
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        yield captured
    captured[DEFAULT_DB_ALIAS] = [q["sql"] for q in primary.captured_queries]
    captured[REPLICA] = [q["sql"] for q in replica.captured_queries]


def test_a_reader_s_page_is_read_from_the_replica(replica, published_story, settled_content):
    with queries_by_alias() as queries:
        response = Client().get(published_story.get_absolute_url())
    assert response.status_code == 200
    assert "Open weights debate" in response.content.decode()
    assert queries[REPLICA], "the page read nothing from the replica"
    assert queries[DEFAULT_DB_ALIAS] == []
    assert replicas.WROTE_COOKIE not in response.cookies


def test_a_search_s_time_limit_is_set_on_the_replica_it_reads_from(
    replica, published_story, settled_content
):
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's; SQLite searches have no timeout")
    refresh_search_vectors([published_story.pk])
    with queries_by_alias() as queries:
        response = Client().get("/search/", {"q": "open weights"})
    assert response.status_code == 200
    assert "Open weights debate" in response.content.decode()
    limit, search = queries[REPLICA].index("BEGIN"), queries[REPLICA].index("COMMIT")
    ran = queries[REPLICA][limit:search]
    assert any("statement_timeout" in sql for sql in ran), ran
    assert any("ts_rank" in sql for sql in ran), ran
    assert queries[DEFAULT_DB_ALIAS] == []


def test_the_admin_reads_from_the_primary(replica, editor, published_story, settled_content):
    client = Client()
    with queries_by_alias() as queries:
        assert client.get("/admin/login/").status_code == 200
    client.force_login(editor)
    with queries_by_alias() as signed_in:
        assert client.get("/admin/stories/story/").status_code == 200
        # Staff carry a session: the public pages they look at read from the primary too.
        assert client.get(published_story.get_absolute_url()).status_code == 200
    assert queries[REPLICA] == signed_in[REPLICA] == []
    assert signed_in[DEFAULT_DB_ALIAS]


def test_a_write_and_the_writer_s_next_requests_go_to_the_primary(
    replica, topic, published_story, settled_content
):
    client = Client()
    with queries_by_alias() as queries:
        response = client.post(
            "/newsletter/subscribe/", {"email": "reader@example.org", "topics": [topic.slug]}
        )
    assert response.status_code == 200
    assert queries[REPLICA] == []
    assert any(sql.startswith("INSERT") for sql in queries[DEFAULT_DB_ALIAS])
    cookie = response.cookies[replicas.WROTE_COOKIE]
    assert cookie["max-age"] == settings.DATABASE_REPLICA_MAX_LAG
    assert cookie["httponly"]

    # The next page, with the cookie the write set: the primary, which has the write.
    with queries_by_alias() as next_page:
        assert client.get(published_story.get_absolute_url()).status_code == 200
    assert next_page[REPLICA] == []
    assert next_page[DEFAULT_DB_ALIAS]


def test_a_get_that_writes_reads_the_rest_from_the_primary_and_marks_the_reader(replica):
    # A GET that writes is rare, but its own later reads must see the write.
    reads = replicas.RequestReads(replica_allowed=True)
    token = replicas._current.set(reads)
    try:
        assert router.db_for_read(Story) == REPLICA
        assert router.db_for_write(Story) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Story) == DEFAULT_DB_ALIAS
    finally:
        replicas._current.reset(token)
    assert reads.wrote


def test_a_page_of_a_fresh_content_version_is_read_from_the_primary(replica, published_story):
    # A replica may not have the change behind a version started a moment ago,
    # and the page read now would be kept for the whole version.
    caching.content_changed()
    with queries_by_alias() as queries:
        assert Client().get(published_story.get_absolute_url()).status_code == 200
    assert queries[REPLICA] == []


def test_tasks_and_commands_read_from_the_primary(replica, published_story):
    with queries_by_alias() as queries:
        assert Story.objects.published().count() == 1
        scheduler.cleanup()
    assert queries[REPLICA] == []
    assert queries[DEFAULT_DB_ALIAS]


def test_migrations_run_on_the_primary_only(replica):
    assert router.allow_migrate(REPLICA, "stories") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "stories") is not False


def test_a_replica_that_cannot_be_reached_leaves_reading_to_the_primary(
    settings, transactional_db, published_story, settled_content, tmp_path
):
    if connection.vendor == "postgresql":
        unreachable = {"HOST": "127.0.0.1", "PORT": free_port()}  # nothing listens
    else:
        unreachable = {"NAME": str(tmp_path / "no-such-folder" / "replica.sqlite3")}
    add_replica_alias(settings, **unreachable)
    try:
        started = time.monotonic()
        first = Client().get(published_story.get_absolute_url())
        first_seconds = time.monotonic() - started
        # Left alone for a while: the next reader does not wait for it again.
        assert replicas.pick_replica() == DEFAULT_DB_ALIAS
        assert REPLICA in replicas._down_until
    finally:
        remove_replica_alias()
    assert first.status_code == 200
    assert "Open weights debate" in first.content.decode()
    assert first_seconds < settings.DATABASE_REPLICA_CONNECT_TIMEOUT + 1


def test_without_replicas_every_query_goes_where_it_always_did(
    client, topic, published_story, settings
):
    assert settings.DATABASE_REPLICAS == []
    assert list(connections) == [DEFAULT_DB_ALIAS]
    response = client.post(
        "/newsletter/subscribe/", {"email": "reader@example.org", "topics": [topic.slug]}
    )
    assert response.status_code == 200
    assert replicas.WROTE_COOKIE not in response.cookies
    assert router.db_for_read(Story) == DEFAULT_DB_ALIAS


# Settings, loaded in a fresh interpreter.


def replica_settings(**env):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({a: {k: d.get(k) for k in ('HOST', 'PORT', 'OPTIONS', 'TEST')} "
        "for a, d in s.DATABASES.items()} | {'replicas': s.DATABASE_REPLICAS}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "factlen.settings",
            "DEBUG": "true",
        }
        | env,
        check=False,
    )


def test_each_replica_url_becomes_a_read_only_database_with_a_short_connect_timeout():
    result = replica_settings(
        DATABASE_URL="postgres://factlen:x@primary:5432/factlen",
        DATABASE_REPLICA_URLS="postgres://factlen:x@replica-a:5432/factlen,"
        "postgres://factlen:x@replica-b:5433/factlen",
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["replicas"] == ["replica1", "replica2"]
    assert (found["replica1"]["HOST"], found["replica2"]["PORT"]) == ("replica-a", 5433)
    for alias in found["replicas"]:
        assert found[alias]["OPTIONS"]["connect_timeout"] == 1
        assert "default_transaction_read_only=on" in found[alias]["OPTIONS"]["options"]
        # The test runner points it at the test database instead of creating one.
        assert found[alias]["TEST"]["MIRROR"] == "default"


def test_a_replica_must_be_postgresql_like_the_primary():
    result = replica_settings(
        DATABASE_URL="sqlite:///tmp/primary.sqlite3",
        DATABASE_REPLICA_URLS="sqlite:///tmp/replica.sqlite3",
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS: replica 1" in result.stderr


# The site against a real streaming replica: a second PostgreSQL cluster that
# follows a throwaway primary, whose replay the tests pause to make it lag.


@pytest.fixture(scope="module")
def streaming_replica(throwaway_postgres):
    throwaway_postgres.create_database("factlen_replicated")
    with ThrowawayReplica(throwaway_postgres) as standby:
        yield standby


@pytest.fixture(scope="module")
def replicated_site(throwaway_postgres, streaming_replica, tmp_path_factory):
    folder = tmp_path_factory.mktemp("replicated-site")
    env = production_env(folder, throwaway_postgres.url("factlen_replicated"))
    env |= {
        "DATABASE_REPLICA_URLS": streaming_replica.url("factlen_replicated"),
        "DATABASE_REPLICA_MAX_LAG": "1",
        "TASKS_BACKEND": "immediate",
        # Every page read afresh, so each request shows where it read.
        "PAGE_CACHE": "false",
    }
    with serving(env, folder) as base:
        primary_env = env | {"DATABASE_REPLICA_URLS": ""}
        manage(primary_env, "shell", "-c", TOPIC.format(slug="energy"))
        streaming_replica.catch_up()
        # The worker's first page starts its content state, reading from the
        # primary; the tests then let that state age past the lag.
        assert fetch(base + "/energy/")[0] == 200
        yield base, primary_env


TOPIC = "from stories.models import Topic; Topic.objects.create(name='{slug}', slug='{slug}')"


class Reader:
    """A browser of sorts: keeps its cookies."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path):
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path, form):
        data = urllib.parse.urlencode(form, doseq=True).encode()
        with self.opener.open(self.base + path, data=data, timeout=10) as response:
            return response.status

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), None)


@contextmanager
def replay_paused(standby):
    standby.pause_replay()
    try:
        yield
    finally:
        standby.resume_replay()
        standby.catch_up()


def test_readers_read_from_the_streaming_replica(replicated_site, streaming_replica):
    base, primary_env = replicated_site
    time.sleep(1.1)  # past DATABASE_REPLICA_MAX_LAG of the site's first content version
    with replay_paused(streaming_replica):
        manage(primary_env, "shell", "-c", TOPIC.format(slug="water"))
        # On the primary, not yet on the replica: a reader is told it does not exist.
        assert fetch(base + "/water/")[0] == 404
        assert fetch(base + "/energy/")[0] == 200
    assert fetch(base + "/water/")[0] == 200


def test_a_reader_sees_their_own_sign_up_while_the_replica_lags(replicated_site, streaming_replica):
    base, primary_env = replicated_site
    reader = Reader(base)
    time.sleep(1.1)
    with replay_paused(streaming_replica):
        manage(primary_env, "shell", "-c", TOPIC.format(slug="housing"))
        status = reader.post(
            "/newsletter/subscribe/", {"email": "reader@example.org", "topics": ["energy"]}
        )
        assert status == 200
        assert reader.cookie(replicas.WROTE_COOKIE) == "1"
        # The writer reads from the primary for a moment; anyone else from the lagging replica.
        assert reader.get("/housing/")[0] == 200
        assert fetch(base + "/housing/")[0] == 404
    subscribers = manage(
        primary_env,
        "shell",
        "-c",
        "from newsletter.models import Subscriber; print(list(Subscriber.objects"
        ".values_list('email', flat=True)))",
    ).stdout
    assert "reader@example.org" in subscribers


def test_with_the_replica_stopped_the_primary_serves_readers(replicated_site, streaming_replica):
    base, _ = replicated_site
    with database_stopped(streaming_replica):
        timings = []
        for _ in range(5):
            status, _, _, seconds = fetch(base + "/energy/")
            assert status == 200
            timings.append(seconds)
        assert fetch(base + "/readyz")[0] == 200
    assert max(timings) < 1.5, timings
    # Back, it is read from again once its time out is over: the site keeps a
    # connection to it (CONN_MAX_AGE) after serving a page.
    assert app_connections(streaming_replica) == 0
    time.sleep(replicas.REPLICA_RETRY_SECONDS + 0.5)
    assert fetch(base + "/energy/")[0] == 200
    assert app_connections(streaming_replica) == 1


def app_connections(cluster):
    import psycopg

    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'factlen_replicated'"
        ).fetchone()
    return count
