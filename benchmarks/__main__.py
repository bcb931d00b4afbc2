"""`make bench`: the site under load at archive sizes, measured side by side.

For each data set size (PostgreSQL database `factlen_bench_<size>`, built once
and kept): the readers' pages served by gunicorn with the production settings,
driven by wrk against a trivial view in an identical gunicorn (the ceiling),
uncached and cached; server time, queries and bytes of every page and of the
admin's, in-process. Prints the tables and writes them to
benchmarks/results/latest.md. It measures; it asserts nothing.
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import database, load, report
from .servers import BASE_DIR, BIN, WORKERS

RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/5"
MODES = {"uncached": "false", "cached": "true"}


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes", default="1000,20000", help="published stories per data set (1000,20000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 repetition of 3 s per page, for iterating"
    )
    parser.add_argument(
        "--pages",
        default="",
        help="comma-separated page keys, e.g. story,home,a-story-list (default: all; the keys "
        "are in benchmarks/pages.py)",
    )
    parser.add_argument(
        "--modes", default="uncached,cached", help="uncached (PAGE_CACHE=false), cached, or both"
    )
    parser.add_argument("--repeats", type=int, help="wrk runs per page, the median (3)")
    parser.add_argument("--seconds", type=int, help="length of each wrk run (10)")
    parser.add_argument("--rebuild", action="store_true", help="build the data sets anew")
    parser.add_argument(
        "--soak",
        type=int,
        default=0,
        metavar="SECONDS",
        help="then hold load at the largest size this long, printing worker RSS every 30 s",
    )
    parser.add_argument("--no-admin", action="store_true", help="leave out the admin pages")
    parser.add_argument("--output", default=str(RESULTS), help="where the Markdown goes")
    return parser.parse_args(argv)


def preflight() -> dict:
    """What the run needs, or a clear message of what is missing and how to get it."""
    problems, found = [], {}
    try:
        found["wrk"] = load.check()
    except load.Missing as exc:
        problems.append(str(exc))
    try:
        found["postgresql"] = database.check()
    except database.Unavailable as exc:
        problems.append(str(exc))
    if not (BIN / "gunicorn").exists():
        problems.append(f"gunicorn is missing from {BIN}: run `make setup`.")
    if problems:
        sys.exit("make bench cannot run:\n\n" + "\n\n".join(problems))
    return found


def environment(static_root: str) -> dict:
    """Production settings, as the issue measures them, plus the benchmark's urlconf."""
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1:8000",
            "SECURE_COOKIES": "false",
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "STATIC_ROOT": static_root,
            "CACHE_URL": os.environ.get("CACHE_URL", DEFAULT_CACHE_URL),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def child(env, command, size, out: Path, *extra) -> dict:
    subprocess.run(
        [sys.executable, "-m", "benchmarks.child", command, str(size), "--out", str(out), *extra],
        env=env,
        cwd=BASE_DIR,
        check=True,
    )
    return json.loads(out.read_text())


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BASE_DIR
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=BASE_DIR,
        ).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _prepare(args, env, size, tmp) -> dict:
    """Build (or reuse) the data set of `size` published stories."""
    name = database.name_for(size)
    print(f"\n== {size:,} published stories ({name})", flush=True)
    database.create(name)
    started = time.monotonic()
    sized = {**env, "DATABASE_URL": database.url_for(size)}
    rebuild = ["--rebuild"] if args.rebuild else []
    prepared = child(sized, "prepare", size, tmp / f"prepare-{size}.json", *rebuild)
    prepared["prepare_seconds"] = time.monotonic() - started
    return prepared


def _measure(args, env, size, modes, extra, tmp) -> list[dict]:
    """Every page at `size`, once per mode; the admin with the first mode."""
    sized = {**env, "DATABASE_URL": database.url_for(size)}
    results = []
    for i, mode in enumerate(modes):
        print(f"-- {mode} (PAGE_CACHE={MODES[mode]})", flush=True)
        flags = list(extra)
        if i == 0 and not args.no_admin:
            flags.append("--admin")
        out = tmp / f"measure-{size}-{mode}.json"
        mode_env = {**sized, "PAGE_CACHE": MODES[mode]}
        results.append(child(mode_env, "measure", size, out, "--mode", mode, *flags))
    return results


def _soak(args, env, sizes, modes, tmp) -> dict:
    size = max(sizes)
    print(f"\n== soak at {size:,} stories", flush=True)
    soak_env = {**env, "DATABASE_URL": database.url_for(size), "PAGE_CACHE": MODES[modes[0]]}
    seconds = ["--seconds", str(args.soak)]
    return child(soak_env, "soak", size, tmp / "soak.json", "--mode", modes[0], *seconds)


def main(argv=None):
    args = parse(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    modes = [m for m in args.modes.split(",") if m]
    if unknown := set(modes) - set(MODES):
        sys.exit(f"unknown mode(s): {', '.join(unknown)}; use uncached, cached")
    tools = preflight()
    started = time.monotonic()
    repeats = args.repeats or (1 if args.quick else 3)
    seconds = args.seconds or (3 if args.quick else 10)
    extra = ["--pages", args.pages] if args.pages else []
    extra += ["--quick"] if args.quick else []
    extra += ["--repeats", str(repeats), "--seconds-per-run", str(seconds)]
    # Kept if the run fails, so what was measured is not lost with it.
    tmp = Path(tempfile.mkdtemp(prefix="factlen-bench-"))
    try:
        env = environment(str(tmp / "static"))
        print("collectstatic into a temporary STATIC_ROOT", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env={**env, "DATABASE_URL": database.url_for(sizes[0])},
            cwd=BASE_DIR,
            check=True,
        )
        prepared, results = {}, []
        for size in sizes:
            prepared[size] = _prepare(args, env, size, tmp)
            results += _measure(args, env, size, modes, extra, tmp)
        soak = _soak(args, env, sizes, modes, tmp) if args.soak else None
    except BaseException:
        print(f"\nThe run failed; what it measured is in {tmp} (JSON per step).", file=sys.stderr)
        raise
    shutil.rmtree(tmp)
    elapsed = time.monotonic() - started
    meta = {
        "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "code": git_revision(),
        "machine": f"{os.cpu_count()} cores ({cpu_model()}), shared",
        "servers": f"gunicorn, production settings, {WORKERS} sync workers each (site, ceiling)",
        "database": f"PostgreSQL {tools['postgresql']}",
        "load": (
            f"{tools['wrk']}, -t1 -c{load.CONNECTIONS}, "
            + (f"median of {repeats} × {seconds} s" if repeats > 1 else f"1 × {seconds} s")
            + ", each page right after a ceiling run"
        ),
        "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
        "took": f"{elapsed / 60:.1f} min",
    }
    text = report.markdown(meta, prepared, results, soak)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print("\n" + text)
    print(f"Written to {output}")


if __name__ == "__main__":
    main()
