"""gunicorn's settings, from the environment like the site's.

gunicorn reads this file from its working directory by itself; options given
on its command line win.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: about two per core is gunicorn's advice.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Each request is logged once, as JSON, by the site itself (factlen.request_log).
accesslog = None
