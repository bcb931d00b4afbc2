"""The commands the compose `web` service runs, run here: migrate, then gunicorn
with DEBUG off, static files from collectstatic served by whitenoise."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="session")
def production_env(tmp_path_factory):
    """A site as the web service sets it up (migrate, demo content, collectstatic),
    once per test process: the tests using it only read it."""
    tmp_path = tmp_path_factory.mktemp("production-site")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "false",
        "SECRET_KEY": "test-only-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_COOKIES": "false",
    }
    for command in (["migrate", "--noinput"], ["seed_demo"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            env=env,
            cwd=settings.BASE_DIR,
            check=True,
            capture_output=True,
        )
    return env


def test_gunicorn_serves_the_site_with_hashed_compressed_static_files(production_env):
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "factlen.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        env=production_env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                status, _, body = fetch(base + "/")
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer: " + server.stderr.read1().decode())
        assert status == 200
        html = body.decode()
        assert "Larkport" in html
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, "the stylesheet should have a content-hashed name"

        status, headers, _ = fetch(base + stylesheet.group(1), **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert "immutable" in headers.get("Cache-Control", "")

        status, _, body = fetch(base + "/no-such-topic/")
        assert status == 404
        assert "We can’t find that page" in body.decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
