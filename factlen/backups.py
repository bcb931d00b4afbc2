"""Backups of the PostgreSQL database with pg_dump and pg_restore (custom format),
and of uploaded media kept as local files (a tar.gz beside the dump).

The custom format is compressed, restores table by table with pg_restore
and can be checked with `pg_restore --list`. The password goes to the tools
in their environment (PGPASSWORD), never on a command line others can read.
"""

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import environ
from django.core.management.base import CommandError


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise CommandError(
            f"{name} is not installed: it comes with PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client)."
        )
    return found


def connection_environment(database: dict) -> dict:
    """libpq's environment variables for a Django DATABASES entry."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("Backups use pg_dump and pg_restore: DATABASE_URL must be PostgreSQL.")
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
    }
    return os.environ | {name: value for name, value in values.items() if value}


def database_from_url(url: str) -> dict:
    return environ.Env.db_url_config(url)


def dump(database: dict, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    result = subprocess.run(
        [tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file",
         str(partial)],
        env=connection_environment(database), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise CommandError(f"pg_dump failed:\n{result.stderr.strip()}")
    # Renamed only once complete: a file named *.dump is always a whole backup.
    partial.rename(output)


def table_count(database: dict) -> int:
    result = subprocess.run(
        [tool("psql"), "--no-psqlrc", "--tuples-only", "--no-align", "--command",
         "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"],
        env=connection_environment(database), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise CommandError(f"Cannot reach the database to restore into:\n{result.stderr.strip()}")
    return int(result.stdout.strip())


def restore(database: dict, backup: Path) -> None:
    """Restore into an empty database, in one transaction: all of it or nothing."""
    if not backup.is_file():
        raise CommandError(f"No backup at {backup}")
    if table_count(database):
        raise CommandError(
            f"The database {database['NAME']} already has tables: restore into an empty one "
            "(createdb NAME), so nothing in it is overwritten."
        )
    result = subprocess.run(
        [tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", "--dbname", database["NAME"], str(backup)],
        env=connection_environment(database), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise CommandError(f"pg_restore failed (nothing was restored):\n{result.stderr.strip()}")


def archive_media(root: Path, output: Path) -> int:
    """Write the files under `root` (MEDIA_ROOT) to the tar.gz `output`; how many.
    Restore with `tar -xzf OUTPUT -C MEDIA_ROOT`."""
    files = sorted(path for path in Path(root).rglob("*") if path.is_file())
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        for path in files:
            archive.add(path, arcname=path.relative_to(root).as_posix())
    partial.rename(output)
    return len(files)
