from django.core.management.base import BaseCommand, CommandError

from sources.links import (
    BROKEN,
    DEFAULT_CONCURRENCY,
    DEFAULT_HOST_DELAY,
    DEFAULT_TIMEOUT,
    ERROR,
    OK,
    REDIRECTED,
    check_urls,
)
from sources.models import BROKEN_AFTER, Source
from sources.tasks import queue_checks


class Command(BaseCommand):
    help = (
        "Check that every cited source's URL still answers, and record the result. "
        f"A source is shown as broken after {BROKEN_AFTER} failed checks in a row."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale",
            type=float,
            metavar="DAYS",
            help="Only sources not checked in the last DAYS days.",
        )
        parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
        parser.add_argument(
            "--delay",
            type=float,
            default=DEFAULT_HOST_DELAY,
            help="Seconds between two requests to the same host.",
        )
        parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue one task per source for the task worker instead of checking here "
            "(the nightly run); one host's checks are spread --delay seconds apart.",
        )

    def handle(self, *args, stale, concurrency, delay, timeout, queue, **options):
        if concurrency < 1 or delay < 0 or timeout <= 0:
            raise CommandError("--concurrency must be 1 or more, --delay 0 or more, --timeout > 0.")
        sources = Source.objects.all() if stale is None else Source.objects.stale(stale)
        if queue:
            count = queue_checks(sources, host_delay=delay, timeout=timeout)
            self.stdout.write(f"Queued {count} link check(s) for the task worker.")
            return
        ids_by_url = dict(sources.values_list("url", "pk"))
        total = len(ids_by_url)
        self.stdout.write(f"Checking {total} source URL(s)…")
        tally = dict.fromkeys((OK, REDIRECTED, BROKEN, ERROR), 0)
        for done, result in enumerate(
            check_urls(ids_by_url, concurrency=concurrency, host_delay=delay, timeout=timeout),
            start=1,
        ):
            tally[result.outcome] += 1
            Source.objects.record_check(ids_by_url[result.url], result)
            detail = result.error or f"{result.status}"
            if result.outcome == REDIRECTED:
                detail += f" → {result.final_url}"
            self.stdout.write(f"[{done}/{total}] {result.outcome:<10} {detail}  {result.url}")
        self.stdout.write(
            f"Checked {total}: {tally[OK]} OK, {tally[REDIRECTED]} redirected, "
            f"{tally[BROKEN]} broken, {tally[ERROR]} errors."
        )
