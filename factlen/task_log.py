"""A task's log lines carry the id of the request that queued it.

django-tasks logs each task as it is queued, started and finished (logger
`django_tasks`; one JSON line each with LOG_FORMAT=json). A task queued while
a request runs is logged with that request's id; the id is also kept in the
shared cache under the task's id for a day, and the worker that runs the task
puts it back for the length of the run. So "it broke, here is the id" finds
the request's line, its tasks' lines (retries included: they are queued from
within the task) and whatever those tasks logged.

Across machines this needs the shared cache (CACHE_URL=redis://…), as the
rate limits do; with the per-process default the request's own line still
names the task.
"""

from django.core.cache import cache
from django.dispatch import receiver
from django_tasks.signals import task_enqueued, task_finished, task_started

from .request_log import current_request_id

KEEP_SECONDS = 24 * 60 * 60

# Per running task: the token that puts the worker's own context back.
_carried = {}


def _key(task_id: str) -> str:
    return f"factlen:task-request:{task_id}"


@receiver(task_enqueued)
def remember_the_request(sender, task_result, **kwargs):
    if request_id := current_request_id.get():
        cache.set(_key(task_result.id), request_id, KEEP_SECONDS)


@receiver(task_started)
def carry_the_request_id(sender, task_result, **kwargs):
    if request_id := cache.get(_key(task_result.id)):
        _carried[task_result.id] = current_request_id.set(request_id)


@receiver(task_finished)
def drop_the_request_id(sender, task_result, **kwargs):
    if (token := _carried.pop(task_result.id, None)) is not None:
        current_request_id.reset(token)
