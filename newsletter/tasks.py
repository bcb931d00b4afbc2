"""The newsletter's background work: sign-ups, follows, confirmation emails,
digests and answers to followed questions.

Run by whichever worker TASKS_BACKEND names (see factlen/settings.py); each
email task is retried when the mail server fails (factlen/retries.py).
"""

from django_tasks import task

from factlen.retries import retrying
from stories.models import OpenQuestion, Topic

from . import services


@task()
def subscribe(*, email, topic_ids):
    """A sign-up from the form, handled after the reply has gone (see services.subscribe)."""
    subscriber = services.subscribe(email=email, topics=Topic.objects.filter(pk__in=topic_ids))
    if subscriber is not None:
        send_confirmation.enqueue(subscriber_id=subscriber.pk)


@task(takes_context=True)
@retrying
def send_confirmation(*, subscriber_id):
    return services.send_confirmation(subscriber_id=subscriber_id)


@task(takes_context=True)
@retrying
def send_digest(*, subscriber_id):
    """One reader's digest: safe to run twice, a story goes to a reader once."""
    return services.send_digest(subscriber_id=subscriber_id)


@task()
def follow(*, email, question_id):
    """A follow from a story page, handled after the reply has gone (see services.follow)."""
    question = OpenQuestion.objects.filter(pk=question_id).first()
    if question is None:
        return
    subscriber = services.follow(email=email, question=question)
    if subscriber is not None:
        send_confirmation.enqueue(subscriber_id=subscriber.pk)


@task()
def send_answers():
    """Queue an answer email for every follower owed one; return how many were queued."""
    due = services.answers_due()
    for subscriber_id, question_id in due:
        send_answer.enqueue(subscriber_id=subscriber_id, question_id=question_id)
    return len(due)


@task(takes_context=True)
@retrying
def send_answer(*, subscriber_id, question_id):
    """One follower's answer email: safe to run twice, it goes once."""
    return services.send_answer(subscriber_id=subscriber_id, question_id=question_id)
