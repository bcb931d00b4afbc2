"""Load from wrk, in its own process, and its figures parsed from its report."""

import re
import shutil
import socket
import subprocess
from urllib.parse import urlsplit

CONNECTIONS = 8
THREADS = 1
# gunicorn's own worker timeout: no answer takes longer. A shorter one would make
# wrk give up on a slow answer and send another, growing gunicorn's queue.
TIMEOUT = "30s"

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class Missing(RuntimeError):
    pass


def check() -> str:
    path = shutil.which("wrk")
    if not path:
        raise Missing(
            "wrk is not installed: the benchmark drives gunicorn with it.\n"
            "  Debian or Ubuntu: apt-get install wrk    macOS: brew install wrk"
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True)
    return (out.stdout + out.stderr).split("Copyright")[0].strip()


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS_MS[unit]


def parse(report: str) -> dict:
    """rps, p50/p99 (ms), requests, non-2xx-or-3xx and socket errors from `wrk --latency`."""
    found = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1)),
        "requests": int(re.search(r"(\d+) requests in", report).group(1)),
        "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", report).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", report).group(1)),
        "non_2xx": 0,
        "errors": 0,
    }
    if not found["requests"]:  # wrk prints 0us: no answer, no latency
        found["p50_ms"] = found["p99_ms"] = None
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", report)
    if bad:
        found["non_2xx"] = int(bad.group(1))
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report
    )
    if errors:
        found["errors"] = sum(int(n) for n in errors.groups())
    return found


def run(url: str, *, seconds: float, connections=CONNECTIONS, script=None) -> dict:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",  # wrk takes whole seconds only
        f"--timeout={TIMEOUT}",
        "--latency",
        # As every browser asks: pages, feeds and sitemaps go out compressed.
        "-H",
        "Accept-Encoding: gzip, deflate, br",
    ]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    try:
        return parse(out.stdout)
    except AttributeError:
        raise RuntimeError(f"could not read wrk's report:\n{out.stdout}{out.stderr}") from None


ROTATE_SCRIPT = """
-- Each request asks for the next path in turn.
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def rotation_script(paths, file) -> None:
    quoted = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    file.write_text(ROTATE_SCRIPT % quoted)


def flush_cache(url: str) -> bool:
    """FLUSHDB on the Redis database CACHE_URL names; False if there is none to flush.

    Spoken in Redis's wire protocol, so the harness needs no client library.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("redis", "rediss") or parts.scheme == "rediss":
        return False
    db = (parts.path or "/0").strip("/") or "0"
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=5) as sock:
            commands = []
            if parts.password:
                commands.append(["AUTH", parts.password])
            commands += [["SELECT", db], ["FLUSHDB"]]
            for command in commands:
                wire = f"*{len(command)}\r\n" + "".join(f"${len(c)}\r\n{c}\r\n" for c in command)
                sock.sendall(wire.encode())
                answer = sock.recv(1024)
                if not answer.startswith(b"+"):
                    return False
        return True
    except OSError:
        return False
