"""gunicorn as production runs it, and what its processes cost, read from /proc."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
BASE_DIR = Path(__file__).resolve().parent.parent
WORKERS = 2
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout=60) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat fields after the command name (which may hold spaces)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_ms(pid: int, *, children=False) -> float:
    """User + system CPU time of a process (and of its reaped children)."""
    fields = _stat(pid)
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks * TICK_MS


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError):
                continue
    return sorted(found)


@dataclass
class Gunicorn:
    """One gunicorn: the production command, 2 sync workers, no access log."""

    env: dict
    name: str
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                BIN / "gunicorn",
                "factlen.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
            ],
            env=self.env,
            cwd=BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn ({self.name}) exited:\n{self.process.stderr.read().decode()}"
                )
            try:
                status, _ = fetch(self.base + ready_path, timeout=30)
                if status == 200 and len(self.workers()) == WORKERS:
                    return self
            except (ConnectionError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn ({self.name}) did not answer {ready_path} within 60 s")

    def workers(self) -> list[int]:
        return children_of(self.process.pid)

    def cpu_ms(self) -> float:
        """CPU of the master and its workers, live and reaped."""
        total = cpu_ms(self.process.pid, children=True)
        for pid in self.workers():
            try:
                total += cpu_ms(pid)
            except OSError:
                continue
        return total

    def drain(self, probe_path: str, *, limit=300.0) -> float:
        """Wait until requests wrk left queued are served; return how long that took.

        wrk stops after its duration, but gunicorn still serves what it had
        queued: on a slow page that backlog would run into the next page's
        figures. A probe joins the back of the queue, so its answer means the
        queue is empty; then the workers' CPU must settle (a worker waiting on
        PostgreSQL uses none, hence the probe first).
        """
        started = time.monotonic()
        with contextlib.suppress(OSError, urllib.error.URLError):
            fetch(self.base + probe_path, timeout=limit)
        before = self.cpu_ms()
        while time.monotonic() - started < limit:
            time.sleep(0.5)
            now = self.cpu_ms()
            if now - before < 2 * TICK_MS:
                break
            before = now
        return time.monotonic() - started

    def rss(self) -> dict:
        sizes = [rss_mb(pid) for pid in self.workers()]
        return {"workers": len(sizes), "sum_mb": sum(sizes), "max_mb": max(sizes, default=0)}

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def backend_cpu_ms(pids) -> dict[int, float]:
    """CPU of PostgreSQL backends by pid (readable where the harness may read
    other users' /proc entries, e.g. as root; empty elsewhere)."""
    found = {}
    for pid in pids:
        try:
            found[pid] = cpu_ms(pid)
        except OSError:
            continue
    return found
