"""Link checks as background tasks: one task per source, polite per host.

`check_links --queue` spreads the tasks for one host `host_delay` seconds
apart (run_after); on top of that, a task only asks a host while it holds
that host's slot in the shared cache, so however many workers run, a site
gets one request from us at a time with a pause after it. A task that finds
the slot taken puts itself back in the queue for later.
"""

import math
import time

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from .links import DEFAULT_HOST_DELAY, DEFAULT_TIMEOUT, check_url
from .models import Source, host_of


def _host_slot(host):
    return f"link-check:host:{host}"


@task()
def check_link(*, source_id, host_delay=DEFAULT_HOST_DELAY, timeout=DEFAULT_TIMEOUT):
    """Check one source's URL and record the result; returns its outcome."""
    url = Source.objects.filter(pk=source_id).values_list("url", flat=True).first()
    if url is None:
        return None  # deleted since it was queued
    slot = _host_slot(host_of(url))
    # Held for the request at most, then for the pause after it.
    if not cache.add(slot, source_id, timeout=math.ceil(timeout * 2 + host_delay) + 1):
        if check_link.get_backend().supports_defer:
            later = timezone.now() + timezone.timedelta(seconds=max(host_delay, 0.5))
            check_link.using(run_after=later).enqueue(
                source_id=source_id, host_delay=host_delay, timeout=timeout
            )
            return "deferred"
        time.sleep(host_delay)  # tasks run one after another here: the pause is enough
    try:
        result = check_url(url, timeout=timeout)
        Source.objects.record_check(source_id, result)
    finally:
        if host_delay > 0:
            cache.set(slot, source_id, timeout=math.ceil(host_delay))
        else:
            cache.delete(slot)
    return result.outcome


def queue_checks(sources, *, host_delay=DEFAULT_HOST_DELAY, timeout=DEFAULT_TIMEOUT) -> int:
    """Queue a check of each of `sources`, one host's spread `host_delay` seconds apart."""
    now = timezone.now()
    defer = check_link.get_backend().supports_defer
    seen_per_host = {}
    count = 0
    for pk, url in sources.order_by("pk").values_list("pk", "url"):
        host = host_of(url)
        n = seen_per_host[host] = seen_per_host.get(host, -1) + 1
        checker = check_link
        if defer and n and host_delay:
            checker = check_link.using(run_after=now + timezone.timedelta(seconds=n * host_delay))
        checker.enqueue(source_id=pk, host_delay=host_delay, timeout=timeout)
        count += 1
    return count
