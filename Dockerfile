# Build: install the site's dependencies (not the development ones) into a
# virtual environment and collect the static files; the image keeps only those.
FROM python:3.12-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN python -m venv /venv
COPY pyproject.toml README.md ./
RUN /venv/bin/pip install '.[sentry]'

COPY . .
# collectstatic needs settings but no database, no real secret and no host.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build.invalid SITE_URL=http://build.invalid \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    /venv/bin/python manage.py collectstatic --noinput

FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH

# pg_dump and pg_restore, for backup_db and restore_db.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 1000 factlen

WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /app /app
# data: SQLite when no DATABASE_URL; media: uploads (a volume in compose,
# which takes this folder's owner when it is first made).
RUN mkdir -p /app/data /app/media && chown factlen /app/data /app/media

USER factlen
EXPOSE 8000
# Bind address and worker count (WEB_CONCURRENCY) come from gunicorn.conf.py.
CMD ["gunicorn", "factlen.wsgi:application"]
