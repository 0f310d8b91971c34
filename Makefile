# TimeLedger: `make demo` to try it, `make test` to check it. Nothing else is needed but Python 3.11+.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Two workers suit a 2-core machine; set PYTEST_WORKERS=0 to run in one process.
PYTEST_WORKERS ?= auto

.PHONY: install demo test lint format migrate seed messages vendor-check clean schema bench-api

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	@mkdir -p var
	DJANGO_ENV=development $(BIN)/python manage.py migrate --noinput

seed: migrate
	DJANGO_ENV=development $(BIN)/python manage.py demo_seed

demo: seed
	@echo "Serving on http://127.0.0.1:8000/  (Celery runs eagerly in-process; Ctrl-C stops)"
	DJANGO_ENV=development $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	@# Production settings must pass Django's deploy checks (nothing is contacted: placeholder services).
	env DJANGO_ENV=production DATABASE_URL=postgres://lint@127.0.0.1:1/lint REDIS_URL=redis://127.0.0.1:1/0 \
		ALLOWED_HOSTS=timeledger.invalid SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The committed OpenAPI snapshot (tests/foundation/test_schema_snapshot.py compares against it).
schema: install
	DJANGO_ENV=test $(BIN)/python manage.py spectacular --validate --file docs/openapi.yaml

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	@mkdir -p var output
	DJANGO_ENV=test $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=20 $(PYTEST_ARGS)

# One catalogue for the whole project (frontend/locale, the first of LOCALE_PATHS); run from the root so that
# every app's templates and code are scanned. Translate the new entries in the .po, then run it again.
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=output --ignore=tests --ignore=node_modules --ignore=deploy
messages: install
	DJANGO_ENV=development $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --add-location=file $(I18N_IGNORE)
	DJANGO_ENV=development $(BIN)/python manage.py compilemessages -l zh_Hans $(I18N_IGNORE)

clean:
	rm -rf $(VENV) var/static output .pytest_cache

# Browser assets come from the npm registry at the exact versions in frontend/package.json (see docs/frontend.md).
.PHONY: vendor
vendor:
	$(PYTHON) frontend/vendor.py

vendor-check:
	$(PYTHON) frontend/vendor.py --check

# The morning rush (issue 16, docs/deploy.md "Sizing"): gunicorn as deployed on PostgreSQL, 10,000 members,
# wrk at 50 and 200 clients; writes output/perf/api.json. Needs a PostgreSQL database it may fill (each run
# adds a fresh organization), Redis and /usr/bin/wrk.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/timeledger_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
BENCH_ARGS ?=
bench-api: install
	@mkdir -p output/perf
	DJANGO_ENV=development DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py migrate --noinput -v0
	DJANGO_ENV=development DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py api_bench $(BENCH_ARGS)
