# The two commands: `make run` (site with demo content) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test setup check format clean bench backup restore

CODE := manage.py factlen stories sources newsletter tests benchmarks

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[dev]'
	touch $(STAMP)

# axe-core for the browser tests' accessibility checks, and the HTTP
# Observatory scanner (its install scripts download lists it does not need
# here, hence --ignore-scripts). Without npm those tests are skipped (CI has
# npm and requires them).
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the browser tests and the Observatory scan will be skipped"; \
	fi

# A checkout is a development machine: give bare `manage.py` commands DEBUG
# (and so a development secret key). Production never has this file (it is
# git- and docker-ignored) and must set SECRET_KEY; an existing .env is kept.
.env:
	printf '# Local development settings; git-ignored. Environment variables win.\nDEBUG=true\n' > .env

setup: $(STAMP) $(NODE_STAMP) .env

## Set everything up and serve the demo site on http://127.0.0.1:8000 (SQLite),
## with a task worker beside it for background work (sign-up emails, digests...).
# The server and the task worker are two processes: they share a cache in
# files, so a change the worker makes (a picture's sizes, say) reaches the
# pages the server keeps. Production shares Redis instead (CACHE_URL).
RUN_ENV := DEBUG=true TASKS_BACKEND=database CACHE_URL=filecache://$(CURDIR)/data/cache

run: $(STAMP) .env
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --admin
	@echo "Background tasks: a db_worker runs beside the server (TASKS_BACKEND=database) and stops with it."
	@$(RUN_ENV) $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## Set everything up and run the whole test suite (DATABASE_URL picks the database),
## in parallel: one worker per core, at most 6, or TEST_WORKERS of them (0: all in this
## process). Six, as each worker takes two of Redis's 16 databases (tests/conftest.py).
TEST_WORKERS ?= auto
test: $(STAMP) $(NODE_STAMP) .env
	DEBUG=true $(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 6

## What CI checks besides the tests.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@# Past 20 a function has more paths than a reader can hold (radon rank D
	@# and worse); radon itself only reports, so fail when it reports any.
	@complex="$$($(BIN)/radon cc --min D --show-complexity $(CODE))"; \
	if [ -n "$$complex" ]; then echo "Cyclomatic complexity above 20:"; echo "$$complex"; exit 1; fi
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/python manage.py check

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache *.egg-info

## Readers' and admin pages under load at 1,000 and 20,000 stories, on PostgreSQL with
## gunicorn and wrk (prints; asserts no speed). Options: BENCH_ARGS="--sizes 1000 --quick".
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

## Back up the database (PostgreSQL, DATABASE_URL) to backups/factlen-<time>.dump.
backup: $(STAMP) .env
	$(BIN)/python manage.py backup_db

## Restore FILE into the empty database DATABASE_URL names (RESTORE_URL: another one).
restore: $(STAMP) .env
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/factlen-….dump [RESTORE_URL=postgres://…]"; exit 2; }
	$(BIN)/python manage.py restore_db "$(FILE)" $(if $(RESTORE_URL),--database-url "$(RESTORE_URL)")
