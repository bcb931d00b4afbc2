"""Helpers for tests of background work: the queue in the database, a real worker."""

from django.core.management import call_command


def run_worker():
    """django-tasks-db's own worker, until the queue holds nothing that is due."""
    call_command(
        "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0
    )
