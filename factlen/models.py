"""The site's own records, outside any one app: the scheduler's runs."""

from django.db import models


class ScheduledRunQuerySet(models.QuerySet):
    def past_keeping(self, *, succeeded_before, failed_before):
        """Runs old enough to forget: successes started before `succeeded_before`,
        failures (and runs that never finished) before `failed_before`, never a
        job's latest run, so the admin always shows when each job last ran."""
        latest_of_job = (
            ScheduledRun.objects.filter(job=models.OuterRef("job"))
            .order_by("-scheduled_for")
            .values("pk")[:1]
        )
        succeeded = models.Q(finished_at__isnull=False, error="")
        return self.filter(
            (succeeded & models.Q(started_at__lt=succeeded_before))
            | (~succeeded & models.Q(started_at__lt=failed_before))
        ).exclude(pk=models.Subquery(latest_of_job))


class ScheduledRun(models.Model):
    """One occurrence of a periodic job (factlen/scheduler.py), claimed by the one that ran it.

    The unique constraint is the lock: of two schedulers reaching the same
    occurrence, only the one whose row goes in runs the job.
    """

    job = models.CharField(max_length=50)
    scheduled_for = models.DateTimeField(help_text="The occurrence the cron schedule named.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ran_by = models.CharField(max_length=200, help_text="Host and process id of the scheduler.")
    error = models.TextField(blank=True, help_text="Why the run failed; empty if it did not.")

    objects = ScheduledRunQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "scheduled_for"], name="scheduled_run_once_per_occurrence"
            )
        ]

    def __str__(self):
        return f"{self.job} for {self.scheduled_for:%Y-%m-%d %H:%M:%S}"
