"""TASKS_BACKEND=redis: tasks go to RQ on TASKS_URL, and `rqworker` runs them.

The machine's real Redis (the redis_queue fixture) and a real SMTP
server; the site and the worker are separate processes, as on two machines.
"""

import time

import redis

from .smtp import smtp_server
from .tasks import manage
from .test_settings import load_settings


def test_a_sign_up_queued_in_redis_is_sent_by_an_rq_worker(site_env, redis_queue):
    env = site_env | {"TASKS_BACKEND": "redis", "TASKS_URL": redis_queue}
    with smtp_server() as (inbox, email_url):
        env["EMAIL_URL"] = email_url
        manage(
            env,
            "shell",
            "-c",
            "from stories.models import Topic\n"
            "from newsletter.tasks import subscribe\n"
            "topic = Topic.objects.create(name='Energy', slug='energy')\n"
            "subscribe.enqueue(email='reader@example.org', topic_ids=[topic.pk])",
        )
        assert inbox.connections == 0
        assert redis.Redis.from_url(redis_queue).llen("rq:queue:default") == 1

        # Until the queue is empty: the sign-up, then the confirmation it queued.
        manage(env, "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default")

        (message,) = inbox.to("reader@example.org")
        assert "Confirm" in message["Subject"]


def test_the_redis_backend_needs_a_redis_url():
    result = load_settings(DEBUG="true", DATABASE_URL="sqlite://:memory:", TASKS_BACKEND="redis")
    assert result.returncode != 0
    assert "TASKS_URL=redis://" in result.stderr


def test_an_unknown_tasks_backend_fails_loudly():
    result = load_settings(DEBUG="true", DATABASE_URL="sqlite://:memory:", TASKS_BACKEND="celery")
    assert result.returncode != 0
    assert "TASKS_BACKEND='celery'" in result.stderr


def test_a_refused_email_is_retried_by_an_rq_worker_with_its_scheduler(site_env, redis_queue):
    env = site_env | {
        "TASKS_BACKEND": "redis",
        "TASKS_URL": redis_queue,
        "TASK_RETRY_SECONDS": "1",
    }
    worker = ["rqworker", "--burst", "--with-scheduler", "--job-class", "django_tasks_rq.Job"]
    with smtp_server(refuse=1) as (inbox, email_url):
        env["EMAIL_URL"] = email_url
        manage(
            env,
            "shell",
            "-c",
            "from stories.models import Topic\n"
            "from newsletter.tasks import subscribe\n"
            "topic = Topic.objects.create(name='Energy', slug='energy')\n"
            "subscribe.enqueue(email='reader@example.org', topic_ids=[topic.pk])",
        )
        manage(env, *worker, "default")
        assert (inbox.refused, inbox.messages) == (1, [])

        time.sleep(2)  # the retry's run_after passes
        manage(env, *worker, "default")

        (message,) = inbox.to("reader@example.org")
        assert "Confirm" in message["Subject"]
