"""The site served by gunicorn from a throwaway PostgreSQL cluster the tests may stop.

Session-scoped fixtures build it once per test process (each parallel
worker), for every module using it: `throwaway_postgres` (stopped and started
by the tests), and `throwaway_site` (its base URL), migrated and serving with
production settings and one worker, so a stale persistent connection would be
met by the next request.
"""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from benchmarks.throwaway_postgres import ThrowawayPostgres, Unavailable, free_port

BIN = Path(sys.executable).parent


def fetch(url, timeout=10, **headers):
    """(status, headers, body, seconds) for a GET; HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, found, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, found, body = error.code, error.headers, error.read()
    return status, found, body.decode(), time.monotonic() - started


@pytest.fixture(scope="session")
def throwaway_postgres():
    try:
        cluster = ThrowawayPostgres()
    except Unavailable as reason:
        if os.environ.get("CI") or os.environ.get("E2E_REQUIRED"):
            raise
        pytest.skip(f"cannot run a throwaway PostgreSQL cluster: {reason}")
    with cluster:
        yield cluster


@pytest.fixture(scope="session")
def throwaway_site(throwaway_postgres, tmp_path_factory):
    folder = tmp_path_factory.mktemp("throwaway-site")
    env = production_env(folder, throwaway_postgres.create_database("factlen_stack_throwaway"))
    with serving(env, folder) as base:
        yield base


def production_env(folder, database_url):
    """The environment of a production site on `database_url`, its files in `folder`."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "false",
        "SECRET_KEY": "test-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_COOKIES": "false",
        "STATIC_ROOT": str(folder / "static"),
        "DATABASE_URL": database_url,
    }


@contextmanager
def serving(env, folder):
    """The site migrated and served by gunicorn (one worker) with `env`; yields its base URL."""
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            env=env, cwd=settings.BASE_DIR, check=True, capture_output=True,
        )  # fmt: skip
    port = free_port()
    log = folder / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [BIN / "gunicorn", "factlen.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1"],
            env=env, cwd=settings.BASE_DIR, stdout=output, stderr=output,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                fetch(base + "/healthz")
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer:\n" + log.read_text())
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def database_stopped(cluster):
    """The cluster stopped for the block, started again after it whatever happens."""
    cluster.stop()
    try:
        yield
    finally:
        if not (cluster.data / "postmaster.pid").exists():
            cluster.start()
