"""The stories app's background work: search vectors refreshed off the request."""

from django.db import transaction
from django_tasks import task

from factlen.retries import retrying

from .models import Story
from .search import refresh_search_vectors, uses_full_text


@task(takes_context=True)
@retrying
def refresh_search(*, story_ids):
    return refresh_search_vectors(story_ids)


class _Refresh:
    """One queued refresh per transaction, for every story it touched."""

    def __init__(self):
        self.story_ids = set()
        self.done = False

    def __call__(self):
        self.done = True
        refresh_search.enqueue(story_ids=sorted(self.story_ids))


def schedule_refresh(sender, instance, **kwargs):
    """Signal receiver: queue a refresh of the story's vector once its transaction
    commits, when the story and all of its inlines are saved."""
    if not uses_full_text():
        return
    story_id = instance.pk if isinstance(instance, Story) else instance.story_id
    pending = next(
        (hook for _, hook, _ in transaction.get_connection().run_on_commit
         if isinstance(hook, _Refresh) and not hook.done),
        None,
    )  # fmt: skip
    if pending is None:
        pending = _Refresh()
        transaction.on_commit(pending)
    pending.story_ids.add(story_id)
