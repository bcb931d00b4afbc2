"""The sign-up limits count once for the whole site, not once per server process.

gunicorn runs two workers sharing the machine's Redis (CACHE_URL), and the
sign-ups are sent to both; the limits documented in the README hold once the
task worker has sent what the sign-ups queued.
"""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

from newsletter.services import CONFIRMATIONS_PER_ADDRESS
from newsletter.views import SUBSCRIBE_LIMIT

from ..test_production_server import free_port

BIN = Path(sys.executable).parent


def post(url, data):
    body = urllib.parse.urlencode(data, doseq=True).encode()
    request = urllib.request.Request(url, data=body, headers={"Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def posting_workers(log):
    """The gunicorn workers (pids) that answered a sign-up, from the access log."""
    return set(re.findall(r"^<(\d+)> POST ", log.read_text(), re.M)) if log.exists() else set()


def test_sign_up_limits_hold_across_two_workers_sharing_redis(
    tmp_path, redis_cache_settings, demo_sqlite_file
):
    mail = tmp_path / "mail"
    shutil.copyfile(demo_sqlite_file, tmp_path / "site.sqlite3")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "false",
        "SECRET_KEY": "test-only-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_COOKIES": "false",
        "CACHE_URL": redis_cache_settings["LOCATION"],
        "EMAIL_URL": f"filemail:///{mail}",  # an absolute path after the third slash
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
    )
    port, log = free_port(), tmp_path / "access.log"
    server = subprocess.Popen(
        [
            BIN / "gunicorn",
            "factlen.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(m)s %(s)s",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/newsletter/subscribe/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=60).close()
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        # Several people behind one address, at once, in rounds until both
        # workers have answered sign-ups (a quick answer lets one worker take
        # a whole round).
        statuses = []
        for round_ in range(10):
            with ThreadPoolExecutor(max_workers=6) as pool:
                statuses += pool.map(
                    lambda i: post(url, {"email": f"reader{i}@example.org", "topics": ["ai"]}),
                    range(6 * round_, 6 * round_ + 6),
                )
            if len(posting_workers(log)) == 2:
                break
        assert statuses.count(200) == SUBSCRIBE_LIMIT
        assert statuses.count(429) == len(statuses) - SUBSCRIBE_LIMIT
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(posting_workers(log)) == 2, f"both workers should have answered: {log.read_text()}"
    assert not mail.exists(), "the replies should not have waited for the email"
    subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        timeout=120,
    )
    sent = list(mail.glob("*.log")) if mail.exists() else []
    messages = sum(path.read_text().count("Subject: ") for path in sent)
    assert messages == SUBSCRIBE_LIMIT


def test_one_inbox_gets_a_few_confirmations_however_many_workers_are_asked(
    tmp_path, redis_cache_settings, demo_sqlite_file
):
    """The per-inbox limit, counted in the shared cache by two processes."""
    script = (
        "import django; django.setup()\n"
        "from newsletter.tasks import subscribe\n"
        "from stories.models import Topic\n"
        "topic_ids = list(Topic.objects.values_list('pk', flat=True)[:1])\n"
        "for _ in range(4):\n"
        "    subscribe.enqueue(email='one@example.org', topic_ids=topic_ids)\n"
    )
    mail = tmp_path / "mail"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "factlen.settings",
        "DEBUG": "true",
        "TASKS_BACKEND": "immediate",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "CACHE_URL": redis_cache_settings["LOCATION"],
        "EMAIL_URL": f"filemail:///{mail}",  # an absolute path after the third slash
    }
    base = settings.BASE_DIR
    shutil.copyfile(demo_sqlite_file, tmp_path / "site.sqlite3")
    runs = [subprocess.Popen([sys.executable, "-c", script], env=env, cwd=base) for _ in range(2)]
    assert [run.wait(timeout=60) for run in runs] == [0, 0]
    messages = sum(path.read_text().count("Subject: ") for path in mail.glob("*.log"))
    assert messages == CONFIRMATIONS_PER_ADDRESS
