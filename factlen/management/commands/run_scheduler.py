import contextlib
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from factlen.scheduler import build


class Command(BaseCommand):
    help = (
        "Run the periodic jobs on their cron schedules (SCHEDULE_DIGEST, SCHEDULE_ANSWERS, "
        "SCHEDULE_LINK_CHECKS, SCHEDULE_CLEANUP, in TIME_ZONE) until stopped. Several may "
        "run: each occurrence runs once, and one missed while none ran is run once at start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stop-after",
            type=float,
            metavar="SECONDS",
            help="Stop after this many seconds (for tests and one-off runs).",
        )

    def handle(self, *args, stop_after, **options):
        scheduler = build()
        for name, spec in settings.SCHEDULE.items():
            self.stdout.write(f"{name}: {spec} ({settings.TIME_ZONE})")
        self.stdout.flush()
        if stop_after:
            stop = threading.Timer(stop_after, scheduler.shutdown, kwargs={"wait": False})
            stop.daemon = True
            stop.start()
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
