"""`send_digest` queues one task per reader; a worker sends them, each story once."""

import io

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from ..factories import StoryFactory
from ..tasks import run_worker

# Real commits: the worker closes a connection left inside a transaction, as a test's is.
pytestmark = pytest.mark.django_db(transaction=True)

DIGESTS = DBTaskResult.objects.filter(task_path="newsletter.tasks.send_digest")


def run_digest():
    out = io.StringIO()
    call_command("send_digest", stdout=out)
    return out.getvalue()


def test_the_digest_queues_one_task_per_confirmed_reader_and_the_worker_sends_them(
    topic, energy, alice, bob, carol, queued, mailoutbox
):
    StoryFactory(topic=topic, title="AI story")

    assert "Queued 3 digests for the task worker." in run_digest()
    assert mailoutbox == []
    assert DIGESTS.ready().count() == 3

    run_worker()

    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "bob@example.org"]
    assert DIGESTS.successful().count() == 3


def test_a_reader_never_gets_the_same_digest_twice_even_when_the_digest_runs_twice(
    topic, alice, queued, mailoutbox
):
    StoryFactory(topic=topic, title="AI story")
    run_digest()
    run_digest()

    run_worker()

    (message,) = mailoutbox
    assert "AI story" in message.body
    assert DIGESTS.successful().count() == 2
