"""Periodic work on cron schedules: the daily digest, answers to followed
questions, nightly link checks, cleanup.

`manage.py run_scheduler` runs APScheduler's blocking scheduler with one cron
trigger per job (settings.SCHEDULE, in TIME_ZONE). The jobs are
short: they queue tasks for the workers (`send_digest`, `check_links
--queue`) or delete expired rows.

Several schedulers may run (one per machine, for availability). Each
occurrence of a job is claimed by inserting a ScheduledRun row, unique per
job and occurrence, so only one scheduler runs it; on PostgreSQL an advisory
lock per job also keeps a slow run from overlapping the next occurrence's.
An occurrence missed while no scheduler ran is run once when one starts: only
the latest missed one, and only if no scheduler has run it already.
"""

import datetime
import logging
import os
import socket
import zlib
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from stories.models import PreviewLink

from .models import ScheduledRun

logger = logging.getLogger(__name__)

# How far back the scheduler looks for the occurrence it was woken for.
FIRING_SLACK = datetime.timedelta(minutes=2)


def digest():
    call_command("send_digest")


def link_checks():
    call_command("check_links", "--queue")


def answers():
    """Answer emails for questions whose answering story has gone live, at its time."""
    call_command("send_answers")


def cleanup():
    """Expired sessions and preview links: no longer usable, so no longer kept.
    Old task results and scheduled runs: past TASK_RESULTS_KEEP_DAYS, failures
    past TASK_FAILURES_KEEP_DAYS (kept longer, to be looked into)."""
    call_command("clearsessions")
    deleted, _ = PreviewLink.objects.filter(expires_at__lt=timezone.now()).delete()
    logger.info("Deleted %d expired preview link(s)", deleted)
    prune_records(timezone.now())


def prune_records(now):
    day = datetime.timedelta(days=1)
    succeeded_before = now - settings.TASK_RESULTS_KEEP_DAYS * day
    failed_before = now - settings.TASK_FAILURES_KEEP_DAYS * day
    # Only finished ones: a task waiting for its retry keeps its row however old.
    results = DBTaskResult.objects.successful().filter(
        finished_at__lt=succeeded_before
    ) | DBTaskResult.objects.failed().filter(finished_at__lt=failed_before)
    deleted, _ = results.delete()
    logger.info("Deleted %d old task result(s)", deleted)
    deleted, _ = ScheduledRun.objects.past_keeping(
        succeeded_before=succeeded_before, failed_before=failed_before
    ).delete()
    logger.info("Deleted %d old scheduled run(s)", deleted)


JOBS = {"digest": digest, "answers": answers, "link_checks": link_checks, "cleanup": cleanup}


def cron(spec: str) -> CronTrigger:
    """A crontab line (minute hour day month weekday), or six fields with seconds first."""
    tz = ZoneInfo(settings.TIME_ZONE)
    fields = spec.split()
    if len(fields) == 6:
        names = ("second", "minute", "hour", "day", "month", "day_of_week")
        return CronTrigger(**dict(zip(names, fields, strict=True)), timezone=tz)
    return CronTrigger.from_crontab(spec, timezone=tz)


def latest_occurrence(trigger, now, within):
    """The last time `trigger` fired in the `within` before `now`, or None."""
    for span in (datetime.timedelta(minutes=2), datetime.timedelta(hours=2), within):
        latest, fire = None, trigger.get_next_fire_time(None, now - min(span, within))
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + datetime.timedelta(seconds=1))
        if latest is not None:
            return latest
    return None


def whoami() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def job_lock(name):
    """True while this process holds `name`'s lock (PostgreSQL); always True elsewhere."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = zlib.crc32(f"factlen.scheduler.{name}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (locked,) = cursor.fetchone()
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def run_once(name, occurrence) -> bool:
    """Run job `name` for `occurrence` unless another scheduler has; True if this one did."""
    with job_lock(name) as locked:
        if not locked:
            logger.info("Skipped %s for %s: running elsewhere", name, occurrence.isoformat())
            return False
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(
                    job=name, scheduled_for=occurrence, ran_by=whoami()
                )
        except IntegrityError:
            logger.info("Skipped %s for %s: claimed elsewhere", name, occurrence.isoformat())
            return False
        logger.info("Running %s for %s", name, occurrence.isoformat())
        error = ""
        try:
            JOBS[name]()
        except Exception as exc:
            logger.exception("%s for %s failed", name, occurrence.isoformat())
            error = f"{type(exc).__name__}: {exc}"
        ScheduledRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=error)
        logger.info("Ran %s for %s", name, occurrence.isoformat())
        return True


def fire(name, trigger):
    """APScheduler calls this at each occurrence (in a thread of its pool)."""
    try:
        occurrence = latest_occurrence(trigger, timezone.now(), FIRING_SLACK)
        if occurrence is not None:
            run_once(name, occurrence)
    finally:
        close_old_connections()


def catch_up(name, trigger):
    """Run the latest occurrence missed while no scheduler ran, once."""
    within = datetime.timedelta(hours=settings.SCHEDULE_CATCH_UP_HOURS)
    missed = latest_occurrence(trigger, timezone.now(), within)
    if missed is None:
        return
    if ScheduledRun.objects.filter(job=name, scheduled_for__gte=missed).exists():
        return
    logger.info("Catching up %s for %s, missed while no scheduler ran", name, missed.isoformat())
    run_once(name, missed)


def build(schedule=None) -> BlockingScheduler:
    """The scheduler, its missed runs already caught up; `start()` runs it."""
    scheduler = BlockingScheduler(timezone=ZoneInfo(settings.TIME_ZONE))
    for name, spec in (schedule or settings.SCHEDULE).items():
        trigger = cron(spec)
        catch_up(name, trigger)
        # Within one process, one run of a job at a time; a late wake-up still runs.
        scheduler.add_job(
            fire,
            trigger,
            args=[name, trigger],
            id=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(FIRING_SLACK.total_seconds()),
        )
    return scheduler
