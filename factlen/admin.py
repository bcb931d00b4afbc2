from django.contrib import admin

from .models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    """What the scheduler ran, when, where, and whether it failed: read only."""

    list_display = ("job", "scheduled_for", "started_at", "finished_at", "succeeded", "ran_by")
    list_filter = ("job",)
    date_hierarchy = "scheduled_for"

    @admin.display(boolean=True, description="succeeded")
    def succeeded(self, run):
        return None if run.finished_at is None else not run.error

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
