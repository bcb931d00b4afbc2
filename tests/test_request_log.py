"""One JSON log line per request with its request id; the id in the response and on
the 500 page; errors to Sentry when SENTRY_DSN is set."""

import gzip
import io
import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from factlen.request_log import JsonFormatter, current_request_id
from newsletter.tasks import send_answers

from .smtp import smtp_server, use_smtp

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/robots.txt")["X-Request-ID"]
    assert len(first) == 32 and len(second) == 32
    assert first != second


def test_the_trusted_proxys_request_id_is_kept(client, settings):
    settings.TRUSTED_PROXY = True
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID="3f2c9a1e-proxy-id")
    assert response["X-Request-ID"] == "3f2c9a1e-proxy-id"


def test_a_clients_request_id_is_replaced_without_a_trusted_proxy(client):
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID="3f2c9a1e-client-id")
    assert response["X-Request-ID"] != "3f2c9a1e-client-id"


def test_a_request_id_that_could_break_a_log_line_is_replaced(client, settings):
    settings.TRUSTED_PROXY = True
    response = client.get("/robots.txt", HTTP_X_REQUEST_ID='x"}\n{"forged": 1')
    assert response["X-Request-ID"] != 'x"}\n{"forged": 1'


def test_each_request_is_logged_once_as_one_json_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="factlen.requests"):
        response = client.get("/robots.txt?x=1")
    [record] = [r for r in caplog.records if r.name == "factlen.requests"]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["method"] == "GET"
    assert logged["path"] == "/robots.txt"
    assert logged["status"] == 200
    assert logged["duration_ms"] >= 0
    assert logged["request_id"] == response["X-Request-ID"]


@pytest.mark.urls("tests.error_urls")
def test_the_500_page_shows_the_request_id_and_nothing_of_the_error():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert response["X-Request-ID"] in page
    assert "RuntimeError" not in page
    assert "a bug in a view" not in page


class SentryIngest(BaseHTTPRequestHandler):
    """A local HTTP endpoint standing where sentry.io would: keeps what it is sent."""

    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        SentryIngest.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


SEND_AN_ERROR = """
import django; django.setup()
from django.test import Client, override_settings
import sentry_sdk
with override_settings(ROOT_URLCONF="tests.error_urls"):
    response = Client(raise_request_exception=False).get("/broken/")
sentry_sdk.flush(timeout=10)
print(response.status_code, response["X-Request-ID"])
"""


def run_python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "factlen.settings",
             "DEBUG": "false", "SECRET_KEY": "test-only-" + "x" * 40,
             "ALLOWED_HOSTS": "testserver", "SITE_URL": "http://testserver",
             "DATABASE_URL": "sqlite://:memory:", **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True, check=True,
    )  # fmt: skip


def test_errors_are_reported_to_sentry_with_their_request_id_when_a_dsn_is_set():
    server = HTTPServer(("127.0.0.1", 0), SentryIngest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SentryIngest.received.clear()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_port}/1"
        status, request_id = run_python(SEND_AN_ERROR, SENTRY_DSN=dsn).stdout.split()
    finally:
        server.shutdown()
    assert status == "500"
    sent = b"".join(SentryIngest.received).decode()
    assert "a bug in a view" in sent
    assert "RuntimeError" in sent
    assert request_id in sent


def test_sentry_sdk_is_not_even_imported_without_a_dsn():
    result = run_python("import django, sys; django.setup(); print('sentry_sdk' in sys.modules)")
    assert result.stdout.strip() == "False"


class JsonLines(logging.Handler):
    """Each record as the site's JSON line, made when it is logged (as a stream
    handler does), so the line shows the request id of that moment."""

    def __init__(self):
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


def run_worker_logging():
    """The worker, with its lines logged (tests.tasks.run_worker silences them)."""
    tasks_logger = logging.getLogger("django_tasks")
    level = tasks_logger.level
    try:
        call_command(
            "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0",
            verbosity=1, stdout=io.StringIO(),
        )  # fmt: skip
    finally:
        tasks_logger.setLevel(level)


@pytest.mark.django_db(transaction=True)
def test_a_task_s_log_lines_carry_the_id_of_the_request_that_queued_it(
    client, topic, queued, settings
):
    lines = JsonLines()
    logging.getLogger("django_tasks").addHandler(lines)
    try:
        with smtp_server() as (inbox, url):
            use_smtp(settings, url)
            response = client.post(
                "/newsletter/subscribe/", {"email": "new@example.org", "topics": [topic.slug]}
            )
            request_id = response["X-Request-ID"]
            assert current_request_id.get() is None, "the request is over"
            # The sign-up task, then the confirmation it queues, outside any request.
            run_worker_logging()
            assert inbox.to("new@example.org")
    finally:
        logging.getLogger("django_tasks").removeHandler(lines)

    finished = [line for line in lines.lines if "state=SUCCESSFUL" in line["message"]]
    assert {line["message"].split("path=")[1].split()[0] for line in finished} == {
        "newsletter.tasks.subscribe",
        "newsletter.tasks.send_confirmation",
    }
    assert all(line.get("request_id") == request_id for line in finished), finished
    assert current_request_id.get() is None, "the worker's own context is put back"


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_outside_a_request_logs_no_request_id(queued):
    lines = JsonLines()
    logging.getLogger("django_tasks").addHandler(lines)
    try:
        send_answers.enqueue()
        run_worker_logging()
    finally:
        logging.getLogger("django_tasks").removeHandler(lines)
    assert lines.lines and all("request_id" not in line for line in lines.lines)
