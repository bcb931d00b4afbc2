"""The whole chain as production runs it, each part its own process: gunicorn
serves the sign-up, an RQ worker on the machine's Redis sends the mail, the
scheduler queues the digest on its cron schedule, and a published story
reaches the reader's inbox through a real SMTP server. On PostgreSQL when
DATABASE_URL names it (the test database), else on an SQLite file."""

import contextlib
import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.utils import timezone

from .factories import package_data
from .smtp import smtp_server
from .tasks import manage
from .test_production_server import free_port

BIN = sys.executable.rsplit("/", 1)[0]


@contextlib.contextmanager
def processes(env, *commands):
    running = [
        subprocess.Popen(
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in commands
    ]
    try:
        yield running
    finally:
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def wait_for(condition, what, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


def text(message):
    """The plain-text part of a multipart email, decoded."""
    return message.get_payload()[0].get_payload(decode=True).decode()


def link(message, name):
    return re.search(rf"http://[^/\s]+(/newsletter/{name}/[^/\s]+/)", text(message)).group(1)


def test_a_published_story_reaches_a_confirmed_reader_through_server_worker_and_scheduler(
    site_env, redis_queue, redis_cache_settings, tmp_path
):
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = site_env | {
        "TASKS_BACKEND": "redis",
        "TASKS_URL": redis_queue,
        "CACHE_URL": redis_cache_settings["LOCATION"],
        "SITE_URL": site,
        "SCHEDULE_DIGEST": "*/2 * * * * *",  # every two seconds, seconds first
        "SECURE_COOKIES": "false",
    }
    manage(env, "shell", "-c", "from stories.models import Topic\n"
           "Topic.objects.create(name='Energy', slug='energy')")  # fmt: skip
    with smtp_server() as (inbox, email_url):
        env["EMAIL_URL"] = email_url
        commands = (
            [f"{BIN}/gunicorn", "factlen.wsgi:application", "--bind", f"127.0.0.1:{port}"],
            [sys.executable, "manage.py", "rqworker", "--job-class", "django_tasks_rq.Job"],
            [sys.executable, "manage.py", "run_scheduler"],
        )
        with processes(env, *commands) as running:
            browser = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )

            def page(path, data=None):
                body = urllib.parse.urlencode(data).encode() if data is not None else None
                with browser.open(site + path, data=body, timeout=30) as response:
                    return response.read().decode()

            wait_for(lambda: _answers(site), "gunicorn")
            assert "Check your inbox" in page(
                "/newsletter/subscribe/", {"email": "reader@example.org", "topics": "energy"}
            )
            wait_for(lambda: inbox.to("reader@example.org"), "the confirmation email")
            confirm = link(inbox.to("reader@example.org")[0], "confirm")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(confirm))
            assert "subscribed" in page(confirm, {"csrfmiddlewaretoken": token.group(1)}).lower()

            story = package_data(published_at=timezone.now().isoformat())
            package = tmp_path / "story.json"
            package.write_text(json.dumps(story))
            manage(env, "import_story", str(package))

            wait_for(lambda: len(inbox.to("reader@example.org")) >= 2, "the digest")
            time.sleep(5)  # more digest runs come and go: none may repeat the story
            assert all(process.poll() is None for process in running)
        digests = inbox.to("reader@example.org")[1:]
        assert len(digests) == 1
        assert story["title"] in text(digests[0])


def _answers(site):
    try:
        with urllib.request.urlopen(site + "/newsletter/subscribe/", timeout=5):
            return True
    except OSError:
        return False
