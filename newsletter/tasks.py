"""The newsletter's background work: sign-ups, confirmation emails, digests.

Run by whichever worker TASKS_BACKEND names (see factlen/settings.py); each
email task is retried when the mail server fails (factlen/retries.py).
"""

from django_tasks import task

from factlen.retries import retrying
from stories.models import Topic

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
