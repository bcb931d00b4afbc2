"""The benchmark's PostgreSQL databases: one per data set size, `factlen_bench_<size>`.

BENCH_DATABASE_URL names the server (and a role with CREATEDB); the harness
creates and drops databases of that prefix and no others.
"""

import os
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER = "postgres://factlen:factlen@127.0.0.1:5432"
PREFIX = "factlen_bench_"


class Unavailable(RuntimeError):
    """PostgreSQL cannot be reached or used: the message says what to do."""


def server_url() -> str:
    """The server's URL without a database name."""
    url = urlsplit(os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    return urlunsplit((url.scheme, url.netloc, "", "", ""))


def name_for(size: int) -> str:
    return f"{PREFIX}{size}"


def url_for(size: int) -> str:
    return f"{server_url()}/{name_for(size)}"


def _admin_connection():
    import psycopg

    url = f"{server_url()}/postgres"
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        parts = urlsplit(url)  # shown without the password
        shown = parts._replace(netloc=f"{parts.hostname}:{parts.port or 5432}").geturl()
        raise Unavailable(
            f"Cannot connect to PostgreSQL ({shown}): {str(exc).strip()}\n"
            "  The benchmark needs a PostgreSQL server and a role that may create databases.\n"
            "  Debian: apt-get install postgresql && pg_ctlcluster 15 main start, then as the\n"
            "  postgres user: createuser --createdb --pwprompt factlen\n"
            f"  Point BENCH_DATABASE_URL at it (default {DEFAULT_SERVER}, no database name)."
        ) from None


def check() -> str:
    """The server's version, or Unavailable with what is missing."""
    with _admin_connection() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        may_create = conn.execute(
            "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]
    if not may_create:
        raise Unavailable("The PostgreSQL role in BENCH_DATABASE_URL needs CREATEDB.")
    return version


def exists(name: str) -> bool:
    with _admin_connection() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def create(name: str, *, drop_first=False) -> None:
    """Create the database (dropping it first if asked). Only `factlen_bench_*`."""
    from psycopg import sql

    if not name.startswith(PREFIX):
        raise ValueError(f"refusing to touch {name}: benchmark databases are {PREFIX}*")
    with _admin_connection() as conn:
        if drop_first:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
