"""The production settings, plus the benchmark's ceiling view (benchmarks.urls).

Everything else (DEBUG, SECRET_KEY, DATABASE_URL, CACHE_URL, PAGE_CACHE…) comes
from the environment the harness sets, exactly as in production.
"""

from factlen.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
