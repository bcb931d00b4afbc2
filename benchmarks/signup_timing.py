"""Can the sign-up form's timing tell a new address from a known one?

Serves the site with gunicorn (production settings, one worker, SQLite in a
temporary folder unless --database-url), mail going over SMTP to a real local
server, and posts the form alternately for a new address each time and for a
reader already confirmed: --requests of each, after a few unmeasured ones.
Each request comes from its own loopback address (127.0.x.y), so the per-client
rate limit never answers instead of the view. Prints the medians and their
difference; asserts nothing.

    .venv/bin/python benchmarks/signup_timing.py                    # this checkout
    .venv/bin/python benchmarks/signup_timing.py --project ../main  # another one

Where the sign-up queues a task (TASKS_BACKEND=database), the emails are sent
afterwards by one `db_worker --batch` run, which is timed too.
"""

import argparse
import contextlib
import http.client
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from aiosmtpd.controller import Controller

BIN = Path(sys.executable).parent
WARM_UP = 5
GUNICORN = [BIN / "gunicorn", "factlen.wsgi:application", "--workers", "1"]


class Inbox:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 Message accepted for delivery"


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(project, env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def client_addresses():
    """127.0.1.1, 127.0.1.2, …: every 127/8 address is this machine's."""
    for n in range(256, 256 * 250):
        yield f"127.0.{n // 256}.{n % 256 or 1}"


def post(port, source, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0))
    started = time.perf_counter()
    connection.request(
        "POST",
        "/newsletter/subscribe/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    page = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200 or b"Check your inbox" not in page:
        raise SystemExit(f"the sign-up was not taken: {response.status} {page[:300]!r}")
    return elapsed


@contextlib.contextmanager
def gunicorn(project, env, port, log):
    server = subprocess.Popen(
        [*GUNICORN, "--bind", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/newsletter/subscribe/")
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def describe(name, times):
    quartiles = statistics.quantiles(times, n=10)
    print(
        f"{name:<14} median {statistics.median(times):7.1f} ms   "
        f"p10 {quartiles[0]:7.1f}   p90 {quartiles[-1]:7.1f}   n={len(times)}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--requests", type=int, default=50, help="of each kind (50)")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    project = args.project.resolve()

    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    with tempfile.TemporaryDirectory(prefix="factlen-signup-") as tmp:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": args.database_url or f"sqlite:///{tmp}/site.sqlite3",
            "STATIC_ROOT": f"{tmp}/static",
            "SECURE_COOKIES": "false",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "LOG_LEVEL": "WARNING",
        }
        print(f"Setting up {project} ({env['DATABASE_URL'].split(':')[0]})…", flush=True)
        manage(project, env, "migrate", "--noinput")
        manage(project, env, "seed_demo")
        manage(project, env, "collectstatic", "--noinput")
        manage(
            project,
            env,
            "shell",
            "-c",
            "from newsletter.models import Subscriber; from stories.models import Topic;"
            "s = Subscriber.objects.create(email='known@example.org');"
            "s.topics.set(Topic.objects.all()); s.confirm()",
        )
        topic = re.search(
            r"TOPIC=(\S+)",
            manage(
                project,
                env,
                "shell",
                "-c",
                "from stories.models import Topic; print('TOPIC=' + "
                "Topic.objects.filter(published_story_count__gt=0).values_list('slug', flat=True)"
                ".first())",
            ).stdout,
        ).group(1)

        port = free_port()
        sources = client_addresses()
        times = {"new": [], "known": []}
        log = open(f"{tmp}/gunicorn.log", "w")  # noqa: SIM115
        with gunicorn(project, env, port, log):
            for i in range(WARM_UP + args.requests):
                for kind in ("new", "known"):
                    email = f"reader{i}@example.org" if kind == "new" else "known@example.org"
                    body = urllib.parse.urlencode({"email": email, "topics": topic})
                    elapsed = post(port, next(sources), body)
                    if i >= WARM_UP:
                        times[kind].append(elapsed)
            sent_in_requests = inbox.count
        log.close()
        if errors := Path(f"{tmp}/gunicorn.log").read_text().count("Traceback"):
            print(f"the server logged {errors} errors; the last:")
            print(Path(f"{tmp}/gunicorn.log").read_text()[-1500:])

        describe("new address", times["new"])
        describe("known address", times["known"])
        difference = statistics.median(times["new"]) - statistics.median(times["known"])
        print(f"difference of medians: {difference:+.1f} ms")
        print(f"confirmation emails sent during the requests: {sent_in_requests}")
        expected = WARM_UP + args.requests
        if sent_in_requests < expected:
            started = time.perf_counter()
            manage(project, env, "db_worker", "--batch", "--no-reload", "--no-startup-delay")
            print(
                f"then sent by one db_worker --batch run: {inbox.count - sent_in_requests} "
                f"in {time.perf_counter() - started:.1f} s"
            )
    smtp.stop()


if __name__ == "__main__":
    main()
