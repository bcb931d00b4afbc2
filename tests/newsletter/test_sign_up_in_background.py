"""Sign-ups are answered at once; a task worker sends the confirmation email.

The worker here is django-tasks-db's own `db_worker`, run on the test
database, and the mail goes over SMTP to a real local server.
"""

import pytest
from django_tasks_db.models import DBTaskResult

from newsletter.models import Subscriber

from ..smtp import smtp_server, use_smtp
from ..tasks import run_worker

# Real commits: the worker closes a connection left inside a transaction, as a test's is.
pytestmark = pytest.mark.django_db(transaction=True)


def sign_up(client, topic, email="new@example.org"):
    response = client.post("/newsletter/subscribe/", {"email": email, "topics": [topic.slug]})
    assert response.status_code == 200
    return response


def test_the_reply_comes_before_any_mail_is_sent_and_the_worker_sends_it(
    client, topic, queued, settings
):
    with smtp_server() as (inbox, url):
        use_smtp(settings, url)
        sign_up(client, topic)

        assert inbox.connections == 0, "the reply waited for the mail server"
        assert not Subscriber.objects.exists()
        assert DBTaskResult.objects.ready().count() == 1

        run_worker()

        (message,) = inbox.to("new@example.org")
        assert "Confirm" in message["Subject"]
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["new@example.org"]


def test_a_known_reader_s_sign_up_queues_the_same_single_task_as_a_new_one(
    client, topic, alice, queued
):
    sign_up(client, topic, email="alice@example.org")
    sign_up(client, topic, email="someone-new@example.org")

    queued_tasks = DBTaskResult.objects.ready().order_by("enqueued_at")
    assert [task.task_path for task in queued_tasks] == ["newsletter.tasks.subscribe"] * 2


def test_a_refused_confirmation_is_tried_again_and_the_failure_stays_visible(
    client, topic, queued, settings, admin_client
):
    settings.TASK_RETRY_SECONDS = 0
    with smtp_server(refuse=1) as (inbox, url):
        use_smtp(settings, url)
        sign_up(client, topic)
        run_worker()

        assert len(inbox.to("new@example.org")) == 1
        assert inbox.refused == 1
    sends = DBTaskResult.objects.filter(task_path="newsletter.tasks.send_confirmation")
    assert sorted(sends.values_list("status", "args_kwargs__kwargs__attempt")) == [
        ("FAILED", None),
        ("SUCCESSFUL", 2),
    ]
    failures = admin_client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert b"send_confirmation" in failures.content


def test_a_confirmation_that_keeps_failing_stops_after_the_set_attempts(
    client, topic, queued, settings
):
    settings.TASK_RETRY_SECONDS = 0
    settings.TASK_ATTEMPTS = 3
    with smtp_server(refuse=10) as (inbox, url):
        use_smtp(settings, url)
        sign_up(client, topic)
        run_worker()

        assert inbox.refused == 3
        assert inbox.messages == []
    sends = DBTaskResult.objects.filter(task_path="newsletter.tasks.send_confirmation")
    assert list(sends.values_list("status", flat=True)) == ["FAILED"] * 3
