"""The compose stack's proxy: the repository's Caddyfile, validated as compose
gives it its environment, then run by Caddy in front of gunicorn with
production settings, as the `proxy` and `web` services run.

What differs from the stack is only what the Caddyfile takes from the
environment: the site address is http://127.0.0.1:PORT on a free port (an
http:// address turns TLS, and the redirect from port 80, off), the upstream
is the local gunicorn, the media folder a temporary one, and the admin API is
off. Skipped where Caddy is not installed, except in CI (CI or E2E_REQUIRED),
which installs it (.ci/run) and where it must run.
"""

import base64
import gzip
import http.client
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import compose
import pytest
from django.conf import settings

from .test_production_server import free_port
from .throwaway_site import fetch, production_env

BIN = Path(sys.executable).parent
COMPOSE = Path(compose.__file__).parent / "docker-compose"
CADDYFILE = settings.BASE_DIR / "Caddyfile"
# The id Caddy makes ({http.request.uuid}); the app's own are 32 hex digits without dashes.
CADDY_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# The smallest PNG there is: one transparent pixel.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def caddy():
    found = shutil.which("caddy")
    if found:
        return found
    if os.environ.get("CI") or os.environ.get("E2E_REQUIRED"):
        pytest.fail("The proxy tests need Caddy (apt-get install caddy)")
    pytest.skip("not installed: Caddy (apt-get install caddy)")


def caddy_env(folder, **variables):
    """Only what is given, and Caddy's own files (certificates, autosave) kept in `folder`."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        **variables,
    }


def proxy_environment(**shell):
    """The `proxy` service's environment as compose resolves it from `shell`."""
    result = subprocess.run(
        [COMPOSE, "-f", "docker-compose.yml", "config", "--format", "json"],
        env={"PATH": os.environ.get("PATH", ""), "SECRET_KEY": "compose-test-" + "x" * 40, **shell},
        cwd=settings.BASE_DIR, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)["services"]["proxy"]["environment"]


@pytest.mark.parametrize("shell", [{}, {"DOMAIN": "news.factlen.example"}])
def test_caddy_accepts_the_caddyfile_with_the_environment_compose_gives_it(caddy, tmp_path, shell):
    environment = proxy_environment(**shell)
    assert environment["DOMAIN"] == shell.get("DOMAIN", "localhost")
    result = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
        env=caddy_env(tmp_path, **environment), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def test_the_caddyfile_defaults_are_the_compose_stacks(caddy, tmp_path):
    """Adapted with no variables at all, the file proxies to `web` and serves /srv/media."""
    result = subprocess.run(
        [caddy, "adapt", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
        env=caddy_env(tmp_path), capture_output=True, text=True, check=True,
    )  # fmt: skip
    config = result.stdout
    assert '"dial":"web:8000"' in config
    assert '"root":"/srv/media"' in config
    assert '"host":["localhost"]' in config
    assert '"listen":"localhost:2019"' in config


@pytest.fixture(scope="module")
def stack(caddy, tmp_path_factory):
    """gunicorn with production settings behind Caddy; yields (proxy URL, gunicorn URL, folder)."""
    folder = tmp_path_factory.mktemp("proxy")
    media = folder / "media"
    (media / "stories").mkdir(parents=True)
    (media / "stories" / "lead.png").write_bytes(PNG)
    # What no one should be able to make the site serve from its own origin.
    (media / "stories" / "page.html").write_text("<script>alert(1)</script>")
    (media / "stories" / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')

    env = {
        **production_env(folder, f"sqlite:///{folder / 'site.sqlite3'}"),
        "MEDIA_ROOT": str(media),
        # As in the compose file: the app believes the proxy's X-Forwarded-*.
        "TRUSTED_PROXY": "true",
        # The proxy speaks plain HTTP here, so a redirect to HTTPS would answer
        # every page; HSTS, sent only on a request the app takes for HTTPS,
        # shows which scheme it saw instead.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "3600",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            env=env, cwd=settings.BASE_DIR, check=True, capture_output=True,
        )  # fmt: skip
    web_port, proxy_port = free_port(), free_port()
    web_log, proxy_log = folder / "web.log", folder / "proxy.log"
    with web_log.open("wb") as output:
        web = subprocess.Popen(
            [BIN / "gunicorn", "factlen.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
             "--workers", "1"],
            env=env, cwd=settings.BASE_DIR, stdout=output, stderr=output,
        )  # fmt: skip
    proxy_env = caddy_env(
        folder,
        DOMAIN=f"http://127.0.0.1:{proxy_port}",
        WEB_UPSTREAM=f"127.0.0.1:{web_port}",
        MEDIA_DIR=str(media),
        CADDY_ADMIN="off",
    )
    with proxy_log.open("wb") as output:
        proxy = subprocess.Popen(
            [caddy, "run", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
            env=proxy_env, cwd=folder, stdout=output, stderr=output,
        )  # fmt: skip
    base, upstream = f"http://127.0.0.1:{proxy_port}", f"http://127.0.0.1:{web_port}"
    try:
        for _ in range(300):
            try:
                if fetch(base + "/healthz")[0] == 200:
                    break
            except (ConnectionError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        else:
            pytest.fail(
                "no answer through the proxy:\n" + web_log.read_text() + proxy_log.read_text()
            )
        yield base, upstream, folder
    finally:
        proxy.terminate()
        web.terminate()
        proxy.wait(timeout=10)
        web.wait(timeout=10)


def request(url, method="GET", body=None, **headers):
    """(status, headers, raw body): nothing decoded, so compression shows as sent."""
    host, _, path = url.removeprefix("http://").partition("/")
    connection = http.client.HTTPConnection(host, timeout=30)
    try:
        connection.request(method, "/" + path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_a_page_through_the_proxy_is_the_apps_answer(stack):
    base, _, _ = stack
    status, headers, body = request(base + "/")
    assert status == 200
    assert b"Factlen" in body
    # The app's own headers come through.
    assert "frame-ancestors" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_app_takes_the_scheme_caddy_sets_not_the_clients(stack):
    base, upstream, _ = stack
    https = {"X-Forwarded-Proto": "https"}
    # The app does believe the header (TRUSTED_PROXY): straight to gunicorn, it is HTTPS.
    assert "Strict-Transport-Security" in request(upstream + "/robots.txt", **https)[1]
    # Through the proxy the client's word is dropped: Caddy says http, as it was.
    status, headers, _ = request(base + "/robots.txt", **https)
    assert status == 200
    assert "Strict-Transport-Security" not in headers


def test_a_client_cannot_choose_the_address_the_sign_up_limit_counts(stack):
    base, upstream, _ = stack
    # Each attempt claims another address; Caddy drops the claims and the
    # app counts all of them against the one address Caddy was connected from.
    statuses = [
        request(
            base + "/newsletter/subscribe/", "POST", body="email=",
            **{"X-Forwarded-For": f"203.0.113.{n}",
               "Content-Type": "application/x-www-form-urlencoded"},
        )[0]
        for n in range(7)
    ]  # fmt: skip
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    # That address was 127.0.0.1, the client's, as Caddy saw it ...
    spent = request(
        upstream + "/newsletter/subscribe/", "POST", body="email=",
        **{"X-Forwarded-For": "127.0.0.1", **form},
    )  # fmt: skip
    assert spent[0] == 429
    # ... while an address the proxy did not count still has its budget.
    fresh = request(
        upstream + "/newsletter/subscribe/", "POST", body="email=",
        **{"X-Forwarded-For": "203.0.113.1", **form},
    )  # fmt: skip
    assert fresh[0] == 200


def test_caddy_gives_each_request_its_id_and_the_app_logs_and_returns_it(stack):
    base, _, folder = stack
    status, headers, _ = request(base + "/robots.txt", **{"X-Request-ID": "chosen-by-client"})
    assert status == 200
    request_id = headers["X-Request-ID"]
    assert CADDY_UUID.fullmatch(request_id), request_id
    for _ in range(50):
        lines = [
            json.loads(line)
            for line in (folder / "web.log").read_text().splitlines()
            if line.startswith("{")
        ]
        logged = [line for line in lines if line.get("request_id") == request_id]
        if logged:
            break
        time.sleep(0.1)
    assert logged and logged[0]["path"] == "/robots.txt"
    assert not any(line.get("request_id") == "chosen-by-client" for line in lines)
    # A second request gets another id.
    assert request(base + "/robots.txt")[1]["X-Request-ID"] != request_id


@pytest.mark.parametrize(
    "encoding, magic", [("gzip", b"\x1f\x8b"), ("zstd", ZSTD_MAGIC)], ids=["gzip", "zstd"]
)
def test_pages_are_compressed_as_the_client_accepts(stack, encoding, magic):
    base, _, _ = stack
    status, headers, body = request(base + "/", **{"Accept-Encoding": encoding})
    assert status == 200
    assert headers["Content-Encoding"] == encoding
    assert body.startswith(magic)
    assert "Accept-Encoding" in headers["Vary"]
    if encoding == "gzip":
        assert b"Factlen" in gzip.decompress(body)


def test_hashed_static_files_pass_compressed_and_cacheable_for_years(stack):
    base, _, _ = stack
    page = request(base + "/")[2].decode()
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1)
    for encoding, magic in (("gzip", b"\x1f\x8b"), ("zstd", ZSTD_MAGIC)):
        status, headers, body = request(base + stylesheet, **{"Accept-Encoding": encoding})
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert headers["Content-Encoding"] == encoding
        assert body.startswith(magic)
        cache_control = headers["Cache-Control"]
        assert "immutable" in cache_control
        assert int(re.search(r"max-age=(\d+)", cache_control).group(1)) >= 365 * 24 * 3600
    # The same file under its plain name, which nothing links to, is not kept for long.
    plain = request(base + "/static/css/site.css")
    assert plain[0] == 200
    assert "immutable" not in plain[1]["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", plain[1]["Cache-Control"]).group(1)) <= 60


def test_media_images_are_served_by_caddy_as_images_and_never_sniffed(stack):
    base, _, _ = stack
    status, headers, body = request(base + "/media/stories/lead.png")
    assert status == 200
    assert body == PNG
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert "immutable" in headers["Cache-Control"]
    # Served from the folder by Caddy, not by the app: no request id from gunicorn.
    assert "X-Request-ID" not in headers


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "missing.png"])
def test_media_that_is_not_an_image_is_not_found(stack, name):
    base, _, _ = stack
    status, _, body = request(base + f"/media/stories/{name}")
    assert status == 404
    assert b"<script" not in body and b"<svg" not in body


def upload(base, image):
    """The status line of a multipart POST of an `image`-byte file to the admin's
    login form, which reads its POST to the end (for the CSRF check)."""
    host, port = base.removeprefix("http://").split(":")
    head = (
        b'--limit\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\n'
        b"Content-Type: image/png\r\n\r\n"
    )
    tail = b"\r\n--limit--\r\n"
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(
            b"POST /admin/login/ HTTP/1.1\r\nHost: %s\r\n"
            b"Content-Type: multipart/form-data; boundary=limit\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n"
            % (host.encode(), len(head) + image + len(tail))
        )
        # Sent until the proxy answers, which it may do before the end.
        answer = b""
        try:
            connection.sendall(head)
            for _ in range(image // 100_000):
                if select.select([connection], [], [], 0)[0]:
                    break
                connection.sendall(b"x" * 100_000)
            else:
                connection.sendall(b"x" * (image % 100_000) + tail)
            while chunk := connection.recv(65536):
                answer += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed after answering: what was read is the answer
    return answer.split(b"\r\n", 1)[0]


def test_an_upload_over_the_request_body_limit_is_refused_by_the_proxy(stack):
    base, _, _ = stack
    # Under request_body's 24 MB the app gets it all and answers (no CSRF token: 403) ...
    assert upload(base, 2 * 1000 * 1000) == b"HTTP/1.1 403 Forbidden"
    # ... over it Caddy cuts it off and says why.
    assert upload(base, 25 * 1000 * 1000) == b"HTTP/1.1 413 Request Entity Too Large"
