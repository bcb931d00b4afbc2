"""A PostgreSQL cluster of our own, in a temporary folder, to stop and start at will.

Outage tests and benchmarks must never stop a shared server: this one is
made with initdb on a free port, lives as long as the `with` block and is
deleted after. PostgreSQL refuses to run as root, so as root (CI) the cluster
runs as the `postgres` system user.

`ThrowawayReplica(primary)` is a second cluster, a streaming standby of a
throwaway primary (pg_basebackup -R): read-only, following every commit.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROLE = "factlen"


class Unavailable(RuntimeError):
    """This machine cannot run a throwaway cluster: the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            raise Unavailable(f"no initdb in {PG_BIN} (set PG_BIN to PostgreSQL's bin folder)")
        self.as_root = os.geteuid() == 0
        if self.as_root and not shutil.which("runuser"):
            raise Unavailable("running as root without runuser to start PostgreSQL as postgres")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="factlen-throwaway-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{ROLE}@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        if self.as_root:
            command = ("runuser", "-u", "postgres", "--", *command)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}\n{log}")

    def __enter__(self):
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        # Trust on loopback: the cluster listens on 127.0.0.1 only and lives minutes.
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", ROLE,
            "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        self.start()
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __exit__(self, *exc_info):
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowawayReplica(ThrowawayPostgres):
    """A hot standby of `primary` on a port of its own, streaming its changes."""

    def __init__(self, primary: ThrowawayPostgres):
        super().__init__()
        self.primary = primary

    def __enter__(self):
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        # initdb's pg_hba.conf lets loopback replication connections in (trust).
        self._run(
            str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port),
            "-U", ROLE, "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast",
            "--no-sync",
        )  # fmt: skip
        self.start()
        return self

    def _sql(self, url: str, query: str):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(query).fetchone()

    def pause_replay(self) -> None:
        """Changes still arrive but are not applied: the replica lags until resumed."""
        self._sql(self.url(), "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._sql(self.url(), "SELECT pg_wal_replay_resume()")

    def catch_up(self, timeout: float = 10.0) -> None:
        """Wait until everything the primary has written so far is applied here."""
        import time

        (target,) = self._sql(self.primary.url(), "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (behind,) = self._sql(
                self.url(), f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn()) > 0"
            )
            if not behind:
                return
            time.sleep(0.05)
        raise RuntimeError(f"the replica did not catch up with the primary in {timeout} s")
