"""The compose stack: what each service is given, and the web service's own command
run here as the container runs it (migrate, then gunicorn with its worker count
from the environment) with the environment compose gives it."""

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import compose
import pytest
from django.conf import settings

from benchmarks.servers import children_of

from .test_production_server import free_port
from .throwaway_site import fetch

BIN = Path(sys.executable).parent
COMPOSE = Path(compose.__file__).parent / "docker-compose"


@pytest.fixture(scope="module")
def stack():
    """The compose file as compose itself reads it, with a secret key given."""
    result = subprocess.run(
        [COMPOSE, "-f", "docker-compose.yml", "config", "--format", "json"],
        env={"PATH": os.environ.get("PATH", ""), "SECRET_KEY": "compose-test-" + "x" * 40},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)["services"]


def test_the_stack_has_every_service(stack):
    assert set(stack) == {"proxy", "web", "worker", "scheduler", "db", "cache", "mail"}


def test_only_the_proxy_and_the_development_mail_viewer_are_published(stack):
    published = {name for name, service in stack.items() if service.get("ports")}
    assert published == {"proxy", "mail"}
    assert {port["target"] for port in stack["proxy"]["ports"]} == {80, 443}


def test_web_trusts_the_proxy_and_uses_the_shared_cache(stack):
    env = stack["web"]["environment"]
    assert env["TRUSTED_PROXY"] == "true"
    assert env["CACHE_URL"] == "redis://cache:6379/0"
    assert env["DEBUG"] == "false"


def test_worker_and_scheduler_run_their_commands_with_the_apps_environment(stack):
    # No reloader in a container: a code change is a new image.
    assert stack["worker"]["command"] == ["python", "manage.py", "db_worker", "--no-reload"]
    assert stack["scheduler"]["command"] == ["python", "manage.py", "run_scheduler"]
    web = dict(stack["web"]["environment"])
    del web["WEB_CONCURRENCY"]  # gunicorn's alone
    assert stack["worker"]["environment"] == web
    assert stack["scheduler"]["environment"] == web


def test_the_web_command_migrates_then_serves_with_the_worker_count_from_the_environment(
    stack, tmp_path
):
    env = {
        **stack["web"]["environment"],
        # What differs here from the container: no db, cache or port 8000 of our own.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "CACHE_URL": "locmemcache://compose-test",
        "STATIC_ROOT": str(tmp_path / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "WEB_CONCURRENCY": "2",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    subprocess.run(
        [BIN / "python", "manage.py", "collectstatic", "--noinput"],
        env=env, cwd=settings.BASE_DIR, check=True, capture_output=True,
    )  # fmt: skip
    log = tmp_path / "web.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            stack["web"]["command"], env=env, cwd=settings.BASE_DIR, stdout=output, stderr=output
        )
    base = f"http://{env['GUNICORN_BIND']}"
    try:
        for _ in range(600):
            try:
                if fetch(base + "/readyz")[0] == 200 and len(children_of(server.pid)) == 2:
                    break
            except (ConnectionError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        else:
            pytest.fail("the web command did not serve:\n" + log.read_text())
        # As the proxy forwards a reader's HTTPS request: the migrated site answers.
        status, _, body, _ = fetch(base + "/", Host="localhost", **{"X-Forwarded-Proto": "https"})
        assert status == 200, body
        assert "Factlen" in body
        # Without the proxy's word it is plain HTTP, redirected to HTTPS.
        plain = http.client.HTTPConnection(env["GUNICORN_BIND"], timeout=10)
        plain.request("GET", "/robots.txt", headers={"Host": "localhost"})
        redirect = plain.getresponse()
        assert redirect.status == 301
        assert redirect.getheader("Location") == "https://localhost/robots.txt"
        plain.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_uploaded_media_is_one_volume_written_by_the_app_and_read_by_the_proxy(stack):
    def mounts(service):
        return {
            (volume["source"], volume["target"]): volume.get("read_only", False)
            for volume in stack[service].get("volumes", [])
            if volume["type"] == "volume"
        }

    for service in ("web", "worker"):
        assert mounts(service)[("media", "/app/media")] is False
    assert mounts("proxy")[("media", "/srv/media")] is True
    caddyfile = (settings.BASE_DIR / "Caddyfile").read_text()
    assert "handle_path /media/*" in caddyfile
    assert "root * {$MEDIA_DIR:/srv/media}" in caddyfile
    assert "X-Content-Type-Options nosniff" in caddyfile
