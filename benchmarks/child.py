"""The benchmark's work on one data set, in a process configured for its database.

`python -m benchmarks.child prepare|measure|soak SIZE …`, started by
`python -m benchmarks` (see __main__.py) with the production environment and
DATABASE_URL set to `factlen_bench_<SIZE>`; results go to a JSON file.
"""

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import django


def log(message: str) -> None:
    print(message, flush=True)


def prepare(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from . import database, dataset

    found = dataset.marker()
    if args.rebuild or not dataset.is_current(found, args.size):
        log(f"  {database.name_for(args.size)}: building a new data set")
        connection.close()
        database.create(database.name_for(args.size), drop_first=True)
        call_command("migrate", verbosity=0)
        dataset.build(args.size, log=log)
        built_now = True
    else:
        log(f"  {database.name_for(args.size)}: data set v{found['version']} kept; migrating")
        call_command("migrate", verbosity=0)
        dataset.reanchor(found["anchored_at"], log=log)
        built_now = False
    found = dataset.marker()
    return {
        "size": args.size,
        "built_now": built_now,
        "build_seconds": found["build_seconds"],
        "counts": found["counts"],
    }


def _backends() -> list[int]:
    """PostgreSQL backends serving this database, except this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return [row[0] for row in cursor.fetchall()]


def _load(site, ceiling, page, *, seconds):
    """One interleaved pair: the ceiling, then the page, with CPU read around the page."""
    from . import load
    from .servers import backend_cpu_ms
    from .urls import CEILING_PATH

    top = load.run(ceiling.base + CEILING_PATH, seconds=seconds)
    db_before = backend_cpu_ms(_backends())
    cpu_before = site.cpu_ms()
    found = load.run(site.base + page.path, seconds=seconds)
    cpu = site.cpu_ms() - cpu_before
    db_after = backend_cpu_ms(_backends())
    db = sum(ms - db_before.get(pid, 0.0) for pid, ms in db_after.items())
    backlog = site.drain(CEILING_PATH)
    done = found["requests"]  # none done: no cost per request to tell
    return {
        **found,
        "ceiling_rps": top["rps"],
        "ratio": found["rps"] / top["rps"] if top["rps"] else 0.0,
        "cpu_ms": cpu / done if done else None,
        "db_cpu_ms": db / done if done and db_after else None,
        "backlog_s": backlog,
    }


def _median_of(runs: list[dict]) -> dict:
    keys = ["rps", "ceiling_rps", "ratio"]
    found = {k: statistics.median(r[k] for r in runs) for k in keys}
    for key in ("p50_ms", "p99_ms", "cpu_ms", "db_cpu_ms"):
        known = [r[key] for r in runs if r[key] is not None]
        found[key] = statistics.median(known) if known else None
    found["non_2xx"] = sum(r["non_2xx"] for r in runs)
    found["errors"] = sum(r["errors"] for r in runs)
    found["requests"] = sum(r["requests"] for r in runs)
    found["backlog_s"] = max(r.get("backlog_s", 0.0) for r in runs)
    found["runs"] = runs
    return found


def measure(args) -> dict:
    from . import load, pages

    keys = set(filter(None, (args.pages or "").split(",")))
    readers = pages.pick(pages.reader_pages(), keys)
    admins = pages.pick(pages.admin_pages(), keys) if args.admin else []
    repeats = 3 if args.quick else 5
    cache_url = os.environ.get("CACHE_URL", "")
    load.flush_cache(cache_url)

    result = {"size": args.size, "mode": args.mode, "pages": [], "admin": []}
    _measure_in_process(result, keys, readers, admins, repeats=repeats)
    if args.no_load or not readers:
        return result
    load.flush_cache(cache_url)
    _measure_load(result, args, readers)
    return result


def _measure_in_process(result, keys, readers, admins, *, repeats):
    """Server time, queries and bytes of each page through Django's test client."""
    from django.contrib.auth import get_user_model

    from . import inprocess
    from .dataset import SUPERUSER

    log(f"  in-process: {len(readers)} readers' pages, {len(admins)} admin pages")
    browser = inprocess.client()
    for page in readers:
        found = inprocess.measure(browser, page.path, repeats=repeats)
        found.pop("body")
        result["pages"].append({"key": page.key, "name": page.name, "path": page.path, **found})
    if not keys or keys & {"sitemap", "sitemap-stories", "sitemap-sections"}:
        result["sitemap_sections"] = inprocess.sitemap_sections(browser, repeats=3)
    if admins:
        user = get_user_model().objects.get(username=SUPERUSER)
        editor = inprocess.client(user)
        for page in admins:
            found = inprocess.measure(editor, page.path, repeats=3)
            found.pop("body")
            result["admin"].append({"key": page.key, "name": page.name, "path": page.path, **found})
            log(f"    {page.name:<40} {found['server_ms']:8.1f} ms {found['queries']:4d} queries")


def _measure_load(result, args, readers):
    """Each page under wrk beside the ceiling, in identical gunicorns."""
    from . import load
    from .servers import Gunicorn, fetch
    from .urls import CEILING_PATH

    env = dict(os.environ)
    ceiling = Gunicorn(env, "ceiling").start(CEILING_PATH)
    site = Gunicorn(env, "site").start("/")
    try:
        result["rss_before"] = site.rss()
        by_key = {p["key"]: p for p in result["pages"]}
        for page in readers:
            # The warming request (and, with a page cache, the one that fills it),
            # then one per worker so each has the page's templates loaded.
            for _ in range(4):
                status, body = fetch(site.base + page.path)
            by_key[page.key]["served_status"] = status
            by_key[page.key]["served_bytes"] = len(body)
        if not args.quick:
            log("  wrk at 1 connection, 3 s per page")
            for page in readers:
                single = load.run(site.base + page.path, seconds=3, connections=1)
                by_key[page.key]["c1_p50_ms"] = single["p50_ms"]
        reps, seconds = args.repeats, args.seconds_per_run
        runs = {page.key: [] for page in readers}
        for rep in range(reps):
            for page in readers:
                run = _load(site, ceiling, page, seconds=seconds)
                runs[page.key].append(run)
                log(
                    f"  [{rep + 1}/{reps}] {page.name:<32} {run['rps']:7.1f} rps "
                    f"{run['ratio']:6.3f}× ceiling ({run['ceiling_rps']:.0f}) "
                    f"p99 {run['p99_ms'] or 0:7.1f} ms"
                )
        for key, found in runs.items():
            by_key[key]["load"] = _median_of(found)
        result["rss_after"] = site.rss()
        result["wrk"] = {"reps": reps, "seconds": seconds, "connections": load.CONNECTIONS}
    finally:
        site.stop()
        ceiling.stop()


def soak(args) -> dict:
    from stories.models import Story

    from . import load, pages
    from .servers import Gunicorn, fetch

    story = pages.typical_story()
    topic = pages.busiest_topic()
    others = Story.objects.published().select_related("topic").order_by("-published_at")[:200]
    rotating = [s.get_absolute_url() for s in others] + [
        "/",
        topic.get_absolute_url(),
        f"{topic.get_absolute_url()}?page=2",
        "/search/?q=cost",
        "/search/?q=transit",
        "/feeds/rss/",
        "/sources/",
        "/corrections/",
        "/sitemap.xml",
    ]
    # Every other request is the story page; the rest walk the rotating set.
    paths = []
    for path in rotating:
        paths += [story.get_absolute_url(), path]
    load.flush_cache(os.environ.get("CACHE_URL", ""))
    site = Gunicorn(dict(os.environ), "site").start("/")
    samples = []
    try:
        for path in paths[1::2]:
            fetch(site.base + path)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "rotate.lua"
            load.rotation_script(paths, script)
            started = time.monotonic()
            samples.append({"t": 0, **site.rss()})
            log(f"  soak: {len(paths)} paths in rotation, {args.seconds} s, RSS every 30 s")
            first = samples[0]
            log(f"    t=   0 s  RSS sum {first['sum_mb']:6.1f} MB, max {first['max_mb']:6.1f} MB")
            while (left := args.seconds - (time.monotonic() - started)) > 1:
                found = load.run(site.base + "/", seconds=min(30, left), script=script)
                sample = {"t": round(time.monotonic() - started), **site.rss(), **found}
                samples.append(sample)
                log(
                    f"    t={sample['t']:4d} s  RSS sum {sample['sum_mb']:6.1f} MB, max "
                    f"{sample['max_mb']:6.1f} MB   {found['rps']:6.1f} rps  p99 "
                    f"{found['p99_ms'] or 0:7.1f} ms  non-2xx {found['non_2xx'] + found['errors']}"
                )
    finally:
        site.stop()
    return {
        "size": args.size,
        "mode": args.mode,
        "seconds": args.seconds,
        "samples": samples,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    parser.add_argument("command", choices=["prepare", "measure", "soak"])
    parser.add_argument("size", type=int)
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", default="uncached")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pages", default="")
    parser.add_argument("--admin", action="store_true")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds-per-run", type=int, default=10)
    args = parser.parse_args(argv)
    # Stopped from outside, still stop the gunicorns (the `finally`s).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    django.setup()
    result = {"prepare": prepare, "measure": measure, "soak": soak}[args.command](args)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
