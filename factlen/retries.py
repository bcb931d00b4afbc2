"""Tasks that are tried again when they fail.

Django's tasks API records a failure and stops there. Background work that
talks to other machines (a mail server, a cited site, a CDN) fails for
reasons that pass, so a task body wrapped in `retrying` enqueues the same
task again, later, before recording its own failure: each attempt is a row
of its own, failures stay visible (the admin's task results, filtered by
status), and the last attempt's failure is the one that stays.

    @task(takes_context=True)
    @retrying
    def send_confirmation(*, subscriber_id): ...

The wait doubles from TASK_RETRY_SECONDS, up to TASK_ATTEMPTS attempts. A
backend that cannot defer (the immediate one, which runs a task where it is
enqueued) does not retry: the caller sees the failure at once.
"""

import datetime
import functools
import logging

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> datetime.timedelta:
    """How long to wait before the attempt after `attempt`."""
    return datetime.timedelta(seconds=settings.TASK_RETRY_SECONDS * 2 ** (attempt - 1))


def retrying(func):
    @functools.wraps(func)
    def run(context, *args, attempt=1, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception:
            task = context.task_result.task
            if attempt < settings.TASK_ATTEMPTS and task.get_backend().supports_defer:
                later = task.using(run_after=timezone.now() + retry_delay(attempt))
                later.enqueue(*args, attempt=attempt + 1, **kwargs)
                logger.warning(
                    "%s failed (attempt %d of %d); trying again at %s",
                    task.name,
                    attempt,
                    settings.TASK_ATTEMPTS,
                    later.run_after.isoformat(timespec="seconds"),
                )
            raise

    # The tasks API reads the signature for the `context` argument: show it
    # this wrapper's, not the wrapped function's.
    del run.__wrapped__
    return run
