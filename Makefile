# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := hemkunskap.settings

.PHONY: run test lint check serve worker beat migrate demo messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## run: the whole app on the embedded defaults (SQLite, filesystem broker), demo data included.
# Messages go to files: SMS as JSON in var/sms/, e-mail in var/mail/ (unless SMS_BACKEND/EMAIL_* are set).
run: export SMS_BACKEND ?= file
run: export EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --if-empty
	PORT=$(PORT) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/honcho --procfile Procfile.dev start

## test: the whole suite; with DATABASE_URL/REDIS_URL set, against PostgreSQL, Redis and a real worker.
# Tests keep their embedded queue and cache apart from the development app's (var/test, not var/).
test: $(VENV)/.installed
	VAR_DIR=$${VAR_DIR:-$(CURDIR)/var/test} $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

check: lint test

## Production-style processes (set DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, EMAIL_URL, SMS_BACKEND, DEBUG=0).
serve: $(VENV)/.installed
	$(BIN)/python manage.py collectstatic --no-input
	$(BIN)/gunicorn hemkunskap.wsgi --bind 0.0.0.0:$(PORT) --workers $${WEB_CONCURRENCY:-3}
worker: $(VENV)/.installed
	$(BIN)/celery -A hemkunskap worker --loglevel=INFO
beat: $(VENV)/.installed
	$(BIN)/celery -A hemkunskap beat --loglevel=INFO

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input
demo: $(VENV)/.installed
	$(BIN)/python manage.py seed_demo

## messages: extract strings for translation, then compile (the compiled .mo files are committed).
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages --locale sv --ignore .venv --ignore var
	$(BIN)/python manage.py compilemessages --locale sv --ignore .venv

clean:
	rm -rf var

## bench: the matching benchmark (quality, solver time, end-to-end round trips); see docs/benchmarks.md.
# It needs PostgreSQL and Redis; it works in a database (bench_<name>) and a queue of its own, made for the run.
.PHONY: bench
bench: $(VENV)/.installed
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then \
		echo "make bench needs PostgreSQL and Redis: set DATABASE_URL=postgres://… and REDIS_URL=redis://…" >&2; \
		exit 1; \
	fi
	$(BIN)/python -m bench.matching

## bench-pages: pages, API, due-message scan and matcher at company and national scale; see docs/performance.md.
# It needs PostgreSQL; each size is generated into a database of its own (bench_<name>_t0 …), kept for the
# next run. BENCH_SIZES=T0,T1,T2 adds the national size (a million move-ins: minutes to generate, about 3.5 GB).
BENCH_SIZES ?= T0,T1
.PHONY: bench-pages
bench-pages: $(VENV)/.installed
	@if [ -z "$$DATABASE_URL" ]; then \
		echo "make bench-pages needs PostgreSQL: set DATABASE_URL=postgres://…" >&2; \
		exit 1; \
	fi
	$(BIN)/python -m bench.pages --size $(BENCH_SIZES) --reuse --keep-db $(BENCH_ARGS)

## load: 50 users for 60 s against gunicorn and a Celery worker on PostgreSQL; see docs/reliability.md.
# It works in a database of its own (<name>_load, seeded, dropped after) and starts a redis-server of its own.
.PHONY: load
load: $(VENV)/.installed
	@if [ -z "$$DATABASE_URL" ]; then \
		echo "make load needs PostgreSQL: set DATABASE_URL=postgres://…" >&2; \
		exit 1; \
	fi
	$(BIN)/python -m bench.load
