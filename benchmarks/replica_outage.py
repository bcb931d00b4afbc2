"""A read replica stopped under load: readers should notice nothing but a moment.

    .venv/bin/python -m benchmarks.replica_outage [--readers 4] [--outage 10]

Makes a throwaway PostgreSQL primary and a streaming standby of it
(benchmarks/throwaway_postgres.py), loads the demo stories, and serves the
site with gunicorn (2 workers, production settings, DATABASE_REPLICA_URLS set
and the page cache off, so every page reads the database). Readers request
pages throughout; the standby is stopped for OUTAGE seconds and started
again. Prints per phase the status counts and latencies, and how many of the
site's connections each cluster holds. It measures; it asserts nothing.
"""

import argparse
import os
import secrets
import tempfile
import time

import psycopg

from .outage import BASE_DIR, Readers, prepare_site, report_phase, served_site, site_paths
from .throwaway_postgres import ThrowawayPostgres, ThrowawayReplica

DATABASE = "factlen_replicated"


def site_connections(cluster) -> int:
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        return conn.execute(query, [DATABASE]).fetchone()[0]


def run(args) -> None:
    with (
        ThrowawayPostgres() as primary,
        tempfile.TemporaryDirectory() as folder,
    ):
        primary_url = primary.create_database(DATABASE)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DEBUG": "false",
            "SECRET_KEY": "replica-only-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1",
            "SECURE_COOKIES": "false",
            "STATIC_ROOT": f"{folder}/static",
            "DATABASE_URL": primary_url,
            "PAGE_CACHE": "false",
            "LOG_LEVEL": "CRITICAL",
        }
        prepare_site(env, BASE_DIR)
        with ThrowawayReplica(primary) as standby:
            standby.catch_up()
            env["DATABASE_REPLICA_URLS"] = standby.url(DATABASE)
            with served_site(env, BASE_DIR) as base:
                paths = site_paths(base)
                print(f"Readers: {args.readers} threads over {', '.join(paths)}\n")
                with Readers(base, paths, args.readers) as readers:
                    start = time.monotonic()
                    time.sleep(args.before)
                    held = (site_connections(primary), site_connections(standby))
                    stopping = time.monotonic()
                    standby.stop()
                    stopped = time.monotonic()
                    time.sleep(args.outage)
                    standby.start()
                    back = time.monotonic()
                    time.sleep(args.after)
                    end = time.monotonic()
                    held_after = (site_connections(primary), site_connections(standby))
                report_phase("before", readers.between(start, stopping))
                report_phase("replica down", readers.between(stopped, back))
                report_phase("after its return", readers.between(back, end))
                print(f"\nSite connections (primary, replica) before: {held}, after: {held_after}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.replica_outage", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--readers", type=int, default=4, help="concurrent readers (4)")
    parser.add_argument("--before", type=float, default=5, help="seconds of load before (5)")
    parser.add_argument("--outage", type=float, default=10, help="seconds the replica is down")
    parser.add_argument("--after", type=float, default=10, help="seconds of load after (10)")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
