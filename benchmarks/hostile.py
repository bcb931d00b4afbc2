"""The security issue's hostile inputs, timed: `python -m benchmarks.hostile`.

On a fresh PostgreSQL database (`factlen_limits_hostile` unless --database):
import a package with a 10 MB body and 1,000 viewpoints, and one nested
100,000 deep, through `manage.py import_story` (wall time, peak memory, exit
status, last line of its errors); then, with such a story in the database
however it got there (written past the limits if the import refused it),
the story page, the preview and a search matching it, in-process; and
deleting it (time, and the revisions left behind). It prints; it asserts
nothing. Runs against whatever checkout it is started in.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path.cwd()
PYTHON = sys.executable


def huge_package(*, body_bytes=10_000_000, viewpoints=1000) -> dict:
    paragraph = "Harbour wind lease talks continue as fishers object to the plan [1].\n\n"
    body = paragraph * (body_bytes // len(paragraph))
    views = [
        {
            "label": f"View {i}",
            "stance": "A stance on the lease.",
            "holders": "Holders",
            "summary": "A summary of the view.",
            "detail": "The argument in its best form, at some length. " * 20,
        }
        for i in range(viewpoints)
    ]
    return {
        "format": "factlen.story/1",
        "slug": "hostile-huge",
        "title": "Harbour wind lease, at length",
        "dek": "A very long story.",
        "label": "Offshore Wind",
        "byline": "Mara Okafor",
        "topic": {"slug": "energy", "name": "Energy"},
        "status": "published",
        "published_at": "2026-11-20T09:00:00Z",
        "why_it_matters": "Stakes [1].",
        "key_points": ["One [1].", "Two.", "Three."],
        "body": body,
        "viewpoints": views,
        "sources": [
            {
                "n": 1,
                "outlet": "Tidewater Courier",
                "title": "Regulator approves wind lease",
                "url": "https://tidewatercourier.example/energy/wind-lease",
            }
        ],
    }


def deep_json(depth=100_000) -> str:
    return '{"format": "factlen.story/1", "tags": ' + "[" * depth + "]" * depth + "}"


# Runs one command and reports its peak memory (KiB) last on stderr: the
# children of this process include others, so each import gets its own parent.
_MEASURED = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(done.returncode)"
)


def run_import(path, env):
    start = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", _MEASURED, PYTHON, "manage.py", "import_story", str(path)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    *lines, peak = done.stderr.strip().splitlines()
    errors = [line for line in lines if not line.startswith("AXES")]
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(int(peak) / 1024),
        "exit": done.returncode,
        "stdout": done.stdout.strip()[:200],
        "stderr_last": (errors[-1] if errors else "")[:300],
        "stderr_first": (errors[0] if errors else "")[:300],
    }


def fresh_database(url, name):
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def in_process(report, *, pages=True):
    """With a huge story in the database: its pages, a search, its deletion."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from reversion.models import Revision, Version

    from stories.models import Citation, Story, Viewpoint
    from stories.search import refresh_search_vectors

    story = Story.objects.filter(slug="hostile-huge").first()
    if story is None:
        # Refused at import: write it past the limits, as data from before them would be.
        small = huge_package(body_bytes=2000, viewpoints=2)
        env = {**os.environ}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(small, f)
        subprocess.run(
            [PYTHON, "manage.py", "import_story", f.name], cwd=BASE_DIR, env=env, check=True
        )
        story = Story.objects.get(slug="hostile-huge")
        big = huge_package()
        Story.objects.filter(pk=story.pk).update(body=big["body"])
        Viewpoint.objects.bulk_create(
            Viewpoint(story=story, position=i, **v) for i, v in enumerate(big["viewpoints"][2:])
        )
        refresh_search_vectors([story.pk])
        report["huge story"] = "written past the limits (the import refused it)"
    else:
        report["huge story"] = "imported"
    story.refresh_from_db()
    report["body characters"] = len(story.body)
    report["viewpoints"] = story.viewpoints.count()

    admin = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    user, _ = admin.objects.get_or_create(
        username="hostile", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(raise_request_exception=False)
    with override_settings(PAGE_CACHE=False):
        for name, path, login in (
            []
            if not pages
            else [
                ("story page", story.get_absolute_url(), False),
                ("search ?q=harbour", "/search/?q=harbour", False),
                ("search ?q=fishers+object", "/search/?q=fishers+object", False),
                ("preview", f"/preview/{story.pk}/", True),
            ]
        ):
            if login:
                client.force_login(user)
            start = time.perf_counter()
            response = client.get(path)
            report[name] = (
                f"{response.status_code} in {time.perf_counter() - start:.2f} s, "
                f"{len(response.content):,} bytes"
            )

    story_id = str(story.pk)
    versions = Version.objects.filter(object_id=story_id, content_type__model="story")
    revisions = set(versions.values_list("revision", flat=True))
    report["revisions before delete"] = len(revisions)
    report["versions in them before delete"] = Version.objects.filter(
        revision__in=revisions
    ).count()
    try:  # the admin's way, where the checkout has it
        from stories.deletion import delete_stories
    except ImportError:
        delete_stories = None
    start = time.perf_counter()
    if delete_stories:
        delete_stories(Story.objects.filter(pk=story.pk))
    else:
        Story.objects.get(pk=story.pk).delete()
    report["delete"] = f"{time.perf_counter() - start:.2f} s"
    report["revisions left"] = Revision.objects.filter(pk__in=revisions).count()
    report["versions left"] = Version.objects.filter(revision__in=revisions).count()
    report["citations left"] = Citation.objects.filter(story_id=story.pk).count()
    report["database"] = connection.vendor


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile")
    parser.add_argument("--database", default="factlen_limits_hostile")
    parser.add_argument(
        "--server", default="postgres://factlen:factlen@127.0.0.1:5432", help="PostgreSQL server"
    )
    parser.add_argument(
        "--no-pages", action="store_true", help="leave out the story page and preview (slow)"
    )
    args = parser.parse_args(argv)
    url = f"{args.server}/{args.database}"
    fresh_database(url, args.database)
    settings = {
        "DATABASE_URL": url,
        "DEBUG": "true",
        "PAGE_CACHE": "false",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
    }
    env = {**os.environ, **settings}
    os.environ.update(settings)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factlen.settings")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True
    )
    report = {}
    with tempfile.TemporaryDirectory() as folder:
        huge = Path(folder, "huge.json")
        huge.write_text(json.dumps(huge_package()), encoding="utf-8")
        report["huge package bytes"] = huge.stat().st_size
        report["import huge"] = run_import(huge, env)
        deep = Path(folder, "deep.json")
        deep.write_text(deep_json(), encoding="utf-8")
        report["import deep"] = run_import(deep, env)
    sys.path.insert(0, str(BASE_DIR))
    in_process(report, pages=not args.no_pages)
    for key, value in report.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
