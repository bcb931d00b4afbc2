"""A database outage under load: what readers get, how fast, and how soon it is over.

    .venv/bin/python -m benchmarks.outage [--checkout PATH] [--cache-url URL]

Makes a throwaway PostgreSQL cluster of its own (benchmarks/throwaway_postgres.py),
migrates it and loads the demo stories, serves the site with gunicorn and the
production settings (2 workers), and keeps several readers requesting pages
(front page, topic pages, stories, and a search that always needs the
database). Then it stops the cluster for OUTAGE seconds and starts it again,
and prints per phase the status counts and latencies, and how long after the
database's return every kind of page answered 200 again. It measures; it
asserts nothing. `--checkout` serves another checkout's code (e.g. main, for
the figures before a change) with this one's virtual environment.
"""

import argparse
import itertools
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from .throwaway_postgres import ThrowawayPostgres, free_port

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def fetch(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        status = 0  # no HTTP answer at all
    return status, time.monotonic() - started


class Readers:
    """Threads requesting pages round-robin; every answer is recorded with its time."""

    def __init__(self, base: str, paths: list[str], count: int):
        self.base, self.paths, self.count = base, paths, count
        self.records: list[tuple[float, str, int, float]] = []  # (at, path, status, seconds)
        self.lock = threading.Lock()
        self.running = True
        self.serial = itertools.count()

    def _read(self, offset: int):
        for n in itertools.count(offset):
            if not self.running:
                return
            path = self.paths[n % len(self.paths)]
            if path.startswith("/search/"):
                path += str(next(self.serial))  # a new query: never from the page cache
            status, seconds = fetch(self.base + path)
            with self.lock:
                self.records.append((time.monotonic(), path.split("?")[0], status, seconds))

    def __enter__(self):
        self.threads = [
            threading.Thread(target=self._read, args=(n,), daemon=True) for n in range(self.count)
        ]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.running = False
        for thread in self.threads:
            thread.join(timeout=60)

    def between(self, start: float, end: float):
        with self.lock:
            return [r for r in self.records if start <= r[0] < end]


def ms(values) -> str:
    if not values:
        return "–"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"median {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


def report_phase(name: str, records) -> None:
    statuses = Counter(status for _, _, status, _ in records)
    shown = ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(statuses.items()))
    print(f"{name:<16} {len(records):>5} requests   {shown}")
    print(f"{'':<16} latency {ms([seconds for *_, seconds in records])}")


def site_paths(base: str) -> list[str]:
    """The front page, two topic pages, four stories and a search, from the sitemap."""
    with urllib.request.urlopen(base + "/sitemap-stories.xml", timeout=60) as response:
        stories = re.findall(r"<loc>https?://[^/]+(/[^<]*)</loc>", response.read().decode())
    topics = sorted({"/" + path.strip("/").split("/")[0] + "/" for path in stories})
    return ["/", *topics[:2], *stories[:4], "/search/?q=larkport"]


def prepare_site(env: dict, checkout) -> None:
    """The database migrated, the demo stories loaded and static files collected."""
    for command in (["migrate", "--noinput"], ["seed_demo"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            env=env, cwd=checkout, check=True, capture_output=True,
        )  # fmt: skip


@contextmanager
def served_site(env: dict, checkout):
    """gunicorn (2 workers) serving `checkout` with `env`: its base URL once the
    home page answers, until the block ends."""
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "factlen.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "critical"],
        env=env, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if fetch(base + "/")[0] == 200:
                break
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(args) -> None:
    checkout = Path(args.checkout).resolve() if args.checkout else BASE_DIR
    with ThrowawayPostgres() as cluster, tempfile.TemporaryDirectory() as folder:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DEBUG": "false",
            "SECRET_KEY": "outage-only-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1",
            "SECURE_COOKIES": "false",
            "STATIC_ROOT": f"{folder}/static",
            "DATABASE_URL": cluster.create_database("factlen_stack_outage"),
            "LOG_LEVEL": "CRITICAL",  # one traceback per failed request would swamp the figures
        }
        if args.cache_url:
            env["CACHE_URL"] = args.cache_url
        print(f"Code: {checkout}; cache: {args.cache_url or 'each worker its own memory'}")
        prepare_site(env, checkout)
        with served_site(env, checkout) as base:
            paths = site_paths(base)
            print(f"Readers: {args.readers} threads over {', '.join(paths)}\n")
            with Readers(base, paths, args.readers) as readers:
                start = time.monotonic()
                time.sleep(args.before)
                stopping = time.monotonic()
                cluster.stop()
                stopped = time.monotonic()
                time.sleep(args.outage)
                cluster.start()
                back = time.monotonic()
                time.sleep(args.after)
                end = time.monotonic()
            report_phase("before", readers.between(start, stopping))
            down = readers.between(stopped, back)
            report_phase("database down", down)
            report_phase("  cached pages", [r for r in down if r[1] != "/search/"])
            report_phase("  searches", [r for r in down if r[1] == "/search/"])
            after = readers.between(back, end)
            report_phase("after its return", after)
            print(
                f"\nPostgreSQL stopped in {stopped - stopping:.1f} s, down {back - stopped:.1f} s"
            )
            report_recovery(paths, after, back)


def report_recovery(paths, after, back) -> None:
    """For each page: seconds from the database's return to its last non-200 answer."""
    worst = 0.0
    for path in sorted({p.split("?")[0] for p in paths}):
        failures = [at for at, p, status, _ in after if p == path and status != 200]
        seen = [at for at, p, *_ in after if p == path]
        if not seen:
            print(f"  {path}: no request after the return")
            continue
        recovered = (max(failures) - back) if failures else 0.0
        worst = max(worst, recovered)
        print(f"  {path}: last failure {recovered:.2f} s after the return ({len(failures)} failed)")
    searches = [at for at, p, status, _ in after if p == "/search/" and status == 200]
    if searches:
        print(f"First search (always needs the database) served {min(searches) - back:.2f} s after")
    print(f"Time to recover (every page answering 200): {worst:.2f} s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.outage", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--checkout", help="serve this checkout's code (default: this one)")
    parser.add_argument("--cache-url", default="", help="CACHE_URL, e.g. redis://…/6")
    parser.add_argument("--readers", type=int, default=4, help="concurrent readers (4)")
    parser.add_argument("--before", type=float, default=5, help="seconds of load before (5)")
    parser.add_argument("--outage", type=float, default=10, help="seconds the database is down")
    parser.add_argument("--after", type=float, default=10, help="seconds of load after (10)")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
