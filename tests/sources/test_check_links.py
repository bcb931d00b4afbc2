"""check_links against a real HTTP server on 127.0.0.1, started by the tests."""

import io
import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult, get_date_max

from sources.links import USER_AGENT, check_urls
from sources.models import BROKEN_AFTER, Source
from sources.tasks import check_link

from ..factories import SourceFactory
from ..tasks import run_worker

SLOW_SECONDS = 1.5


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log: list = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def answer(self, status, body=b"ok", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
            server.requests.append(
                (time.monotonic(), self.command, self.path, self.headers["User-Agent"])
            )
        try:
            path = self.path
            if path == "/ok":
                self.answer(200)
            elif path == "/moved":
                self.answer(301, headers=[("Location", "/ok")])
            elif path == "/missing":
                self.answer(404)
            elif path == "/error":
                self.answer(500)
            elif path == "/no-head":
                self.answer(405 if self.command == "HEAD" else 200)
            elif path == "/slow":
                time.sleep(SLOW_SECONDS)
                self.answer(200)
            elif path == "/close":
                self.close_connection = True
                self.connection.close()  # hang up without an answer
            elif path.startswith("/polite/"):
                time.sleep(0.05)
                self.answer(200)
            else:
                self.answer(404)
        finally:
            with server.lock:
                server.in_flight -= 1

    do_GET = do_HEAD = route


@pytest.fixture(autouse=True)
def allow_the_test_server(settings):
    """check_links refuses internal addresses; the tests' server is let through by name."""
    settings.LINK_CHECK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.lock = threading.Lock()
    server.in_flight = server.max_in_flight = 0
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run(*args):
    out = io.StringIO()
    call_command("check_links", "--delay", "0", "--timeout", "0.5", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_each_kind_of_answer_is_recorded(web):
    server, base = web
    paths = ["ok", "moved", "missing", "error", "no-head", "slow", "close"]
    sources = {p: SourceFactory(url=f"{base}/{p}") for p in paths}
    output = run()
    got = {p: Source.objects.get(pk=s.pk) for p, s in sources.items()}

    # (HTTP status, failures in a row) for each kind of answer.
    assert {p: (s.link_status, s.link_failures) for p, s in got.items()} == {
        "ok": (200, 0),
        "moved": (200, 0),
        "missing": (404, 1),
        "error": (500, 1),
        "no-head": (200, 0),
        "slow": (None, 1),
        "close": (None, 1),
    }
    assert (got["ok"].link_final_url, got["ok"].link_error) == (f"{base}/ok", "")
    assert got["moved"].link_final_url == f"{base}/ok"
    assert got["slow"].link_error == "timed out after 0.5 s"
    assert got["close"].link_error  # the reason, e.g. RemoteDisconnected
    assert all(s.link_checked_at for s in got.values())

    assert "Checked 7: 2 OK, 1 redirected, 2 broken, 2 errors." in output
    assert output.count("[") >= 7  # a progress line per URL
    methods = [(m, p) for _, m, p, _ in server.requests]
    assert ("HEAD", "/no-head") in methods and ("GET", "/no-head") in methods
    assert {agent for *_, agent in server.requests} == {USER_AGENT}


@pytest.mark.django_db
def test_consecutive_failures_count_up_and_reset_on_success(web):
    _, base = web
    source = SourceFactory(url=f"{base}/missing")
    for _ in range(BROKEN_AFTER):
        run()
    source.refresh_from_db()
    assert source.link_failures == BROKEN_AFTER
    assert source.is_broken
    Source.objects.filter(pk=source.pk).update(url=f"{base}/ok")
    run()
    source.refresh_from_db()
    assert source.link_failures == 0
    assert not source.is_broken


@pytest.mark.django_db
def test_stale_limits_the_run_to_sources_not_checked_recently(web):
    _, base = web
    checked = SourceFactory(url=f"{base}/ok")
    run()
    never = SourceFactory(url=f"{base}/missing")
    output = run("--stale", "1")
    assert "Checked 1:" in output
    assert never.url in output and checked.url not in output


def test_one_host_gets_one_request_at_a_time_with_a_pause_between(web):
    server, base = web
    urls = [f"{base}/polite/{i}" for i in range(4)]
    results = list(check_urls(urls, concurrency=8, host_delay=0.2, timeout=2))
    assert sorted(r.url for r in results) == urls
    assert server.max_in_flight == 1
    starts = [t for t, method, *_ in server.requests]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= 0.2


def test_a_bad_url_never_stops_the_run(web):
    _, base = web
    urls = ["http://127.0.0.1:1/refused", f"{base}/ok", "http://[::1/malformed"]
    results = {r.url: r for r in check_urls(urls, concurrency=2, host_delay=0, timeout=1)}
    assert results[f"{base}/ok"].outcome == "ok"
    assert results["http://127.0.0.1:1/refused"].outcome == "error"
    assert results["http://[::1/malformed"].outcome == "error"


# The nightly run: one task per source, run by a worker, polite per host.
def queue_checks(*args):
    out = io.StringIO()
    call_command("check_links", "--queue", "--timeout", "2", *args, stdout=out)
    return out.getvalue()


# Real commits where the worker runs: it closes a connection left inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_queued_checks_are_recorded_by_the_worker(web, queued):
    server, base = web
    ok, missing = SourceFactory(url=f"{base}/ok"), SourceFactory(url=f"{base}/missing")

    assert "Queued 2 link check(s)" in queue_checks("--delay", "0")
    assert server.requests == []
    run_worker()

    ok.refresh_from_db()
    missing.refresh_from_db()
    assert (ok.link_status, ok.link_failures) == (200, 0)
    assert (missing.link_status, missing.link_failures) == (404, 1)


@pytest.mark.django_db
def test_one_host_s_checks_are_queued_a_delay_apart_and_other_hosts_at_once(queued):
    for n in range(3):
        SourceFactory(url=f"https://slow.example/articles/{n}")
    SourceFactory(url="https://other.example/a")

    queue_checks("--delay", "5")

    by_url = {
        Source.objects.get(pk=task.args_kwargs["kwargs"]["source_id"]).url: task.run_after
        for task in DBTaskResult.objects.all()
    }
    first, second, third = (by_url[f"https://slow.example/articles/{n}"] for n in range(3))
    assert (third - second).total_seconds() == 5
    # No run_after: due at once.
    assert by_url["https://other.example/a"] == first == get_date_max()


@pytest.mark.django_db(transaction=True)
def test_a_check_whose_host_is_busy_goes_back_in_the_queue_untried(web, queued):
    server, base = web
    source = SourceFactory(url=f"{base}/ok")
    cache.set("link-check:host:127.0.0.1", "another check", timeout=60)

    result = check_link.enqueue(source_id=source.pk, host_delay=1, timeout=2)
    run_worker()

    assert check_link.get_result(result.id).return_value == "deferred"
    assert server.requests == []
    (later,) = DBTaskResult.objects.filter(status="READY")
    assert later.args_kwargs["kwargs"]["source_id"] == source.pk
