"""Helpers for tests of background work: the queue in the database, a real worker,
manage.py commands as other processes."""

import subprocess
import sys

from django.conf import settings
from django.core.management import call_command


def run_worker():
    """django-tasks-db's own worker, until the queue holds nothing that is due."""
    call_command(
        "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0
    )


def manage(env, *args, timeout=120):
    """`manage.py ARGS` in another process with exactly `env` (see the site_env fixture)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
