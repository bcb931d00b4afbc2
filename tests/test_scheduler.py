"""The scheduler: cron times in the newsroom's zone, each occurrence run once
however many schedulers run, a missed run caught up once."""

import datetime
import re
import subprocess
import sys
from collections import Counter

import pytest
from django.conf import settings
from django.utils import timezone

from factlen import scheduler
from factlen.models import ScheduledRun
from stories.models import PreviewLink

from .factories import StoryFactory
from .tasks import manage

UTC = datetime.UTC


def test_the_digest_runs_at_its_hour_in_the_newsroom_s_time_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    trigger = scheduler.cron("0 7 * * *")
    summer = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    winter = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    day = datetime.timedelta(days=1)
    assert scheduler.latest_occurrence(trigger, summer, day) == datetime.datetime(
        2026, 7, 1, 6, 0, tzinfo=UTC
    )
    assert scheduler.latest_occurrence(trigger, winter, day) == datetime.datetime(
        2026, 12, 1, 7, 0, tzinfo=UTC
    )


def test_no_occurrence_within_the_window_means_nothing_to_catch_up():
    trigger = scheduler.cron("0 7 1 1 *")
    now = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert scheduler.latest_occurrence(trigger, now, datetime.timedelta(hours=24)) is None


@pytest.mark.django_db
def test_an_occurrence_runs_once_however_often_it_is_claimed():
    occurrence = datetime.datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    assert scheduler.run_once("cleanup", occurrence) is True
    assert scheduler.run_once("cleanup", occurrence) is False
    (run,) = ScheduledRun.objects.all()
    assert run.finished_at is not None and run.error == ""


@pytest.mark.django_db
def test_a_missed_run_is_caught_up_once_and_only_the_latest(settings):
    settings.SCHEDULE_CATCH_UP_HOURS = 72
    trigger = scheduler.cron("0 4 * * *")
    scheduler.catch_up("cleanup", trigger)
    scheduler.catch_up("cleanup", trigger)
    (run,) = ScheduledRun.objects.all()
    assert run.scheduled_for == scheduler.latest_occurrence(
        trigger, timezone.now(), datetime.timedelta(days=1)
    )


@pytest.mark.django_db
def test_cleanup_deletes_expired_preview_links_and_keeps_live_ones(topic):
    story = StoryFactory(topic=topic)
    expired = PreviewLink.objects.create(
        story=story, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    live = PreviewLink.objects.create(story=story)
    scheduler.cleanup()
    assert list(PreviewLink.objects.values_list("pk", flat=True)) == [live.pk]
    assert expired.pk != live.pk


@pytest.mark.django_db
def test_a_failing_job_is_recorded_with_its_error(monkeypatch):
    def broken():
        raise RuntimeError("mail relay down")

    monkeypatch.setitem(scheduler.JOBS, "digest", broken)
    scheduler.run_once("digest", datetime.datetime(2026, 7, 1, 7, 0, tzinfo=UTC))
    assert ScheduledRun.objects.get().error == "RuntimeError: mail relay down"


# Two schedulers as real processes, sharing this test's database.

RAN = re.compile(r"Ran (\w+) for (\S+)")


def two_schedulers(env, seconds):
    command = [sys.executable, "manage.py", "run_scheduler", "--stop-after", str(seconds)]
    replicas = [
        subprocess.Popen(
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    logs = [replica.communicate(timeout=seconds + 120)[0] for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0], logs
    return logs


def scheduled_runs(env):
    out = manage(
        env,
        "shell",
        "-c",
        "from factlen.models import ScheduledRun\n"
        "for job, at in ScheduledRun.objects.order_by('scheduled_for').values_list("
        "'job', 'scheduled_for'): print('RUN', job, at.isoformat())",
    ).stdout
    return re.findall(r"^RUN (\w+) (\S+)$", out, re.M)


def test_two_schedulers_run_each_occurrence_once_between_them(site_env):
    site_env["SCHEDULE_CLEANUP"] = "* * * * * *"  # every second
    logs = two_schedulers(site_env, seconds=8)

    ran = [RAN.findall(log) for log in logs]
    occurrences = Counter(run for runs in ran for run in runs)
    assert occurrences, logs
    assert max(occurrences.values()) == 1, f"an occurrence ran twice: {logs}"
    assert len(occurrences) >= 4, logs
    assert all(runs for runs in ran), "both schedulers should have won some occurrences"
    assert "elsewhere" in "".join(logs), "the schedulers never competed"
    assert sorted(scheduled_runs(site_env)) == sorted(occurrences)


def test_a_run_missed_while_no_scheduler_ran_is_caught_up_once(site_env):
    site_env["SCHEDULE_CLEANUP"] = "0 4 * * *"
    site_env["SCHEDULE_CATCH_UP_HOURS"] = "72"
    long_ago = timezone.now() - datetime.timedelta(days=3)
    manage(
        site_env,
        "shell",
        "-c",
        "from factlen.models import ScheduledRun; import datetime\n"
        f"ScheduledRun.objects.create(job='cleanup', ran_by='old', "
        f"scheduled_for=datetime.datetime.fromisoformat('{long_ago.isoformat()}'))",
    )

    first = two_schedulers(site_env, seconds=3)
    again = two_schedulers(site_env, seconds=3)

    caught_up = [run for log in first for run in RAN.findall(log)]
    assert len(caught_up) == 1, first
    assert [run for log in again for run in RAN.findall(log)] == [], again
    runs = scheduled_runs(site_env)
    assert len(runs) == 2 and runs[-1] == caught_up[0]


@pytest.mark.django_db
def test_the_admin_lists_runs_with_their_outcome(admin_client):
    ScheduledRun.objects.create(
        job="digest",
        scheduled_for=datetime.datetime(2026, 7, 1, 7, 0, tzinfo=UTC),
        ran_by="web-1:42",
        finished_at=timezone.now(),
        error="RuntimeError: mail relay down",
    )
    page = admin_client.get("/admin/factlen/scheduledrun/").content.decode()
    assert "web-1:42" in page
    assert 'alt="False"' in page


def test_cleanup_forgets_finished_runs_older_than_thirty_days(db):
    now = timezone.now()
    old = ScheduledRun.objects.create(
        job="answers", scheduled_for=now - datetime.timedelta(days=31), finished_at=now
    )
    recent = ScheduledRun.objects.create(
        job="answers", scheduled_for=now - datetime.timedelta(days=29), finished_at=now
    )
    scheduler.cleanup()
    assert list(ScheduledRun.objects.filter(pk__in=[old.pk, recent.pk])) == [recent]
