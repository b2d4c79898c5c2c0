# Convene: `make run` serves the demo at http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install install-test run worker worker-rq test test-sqlite test-postgres lint format audit bench screenshots static clean

help:
	@echo "make run     - install, migrate, load demo data, serve http://$(HOST):$(PORT) with the worker"
	@echo "make test    - install test dependencies and run the whole suite"
	@echo "make lint    - ruff check, format check and the import layers (lint-imports)"
	@echo "make audit   - known vulnerabilities in installed packages (pip-audit), ruff security rules"
	@echo "make bench   - benchmarks against PostgreSQL (see docs/performance.md)"

$(BIN)/activate:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Convene needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

test: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# The local demo runs with DEBUG (off by default): it shows the sign-in link on the page to
# requests from this machine, since the demo's mail only goes to var/mail/.
run: export DEBUG ?= true
run: install static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_if_empty
	@echo "Convene is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops the web server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
		$(PY) manage.py worker & \
		$(PY) manage.py runserver --noreload $(HOST):$(PORT)

# Not part of `make test` or CI: it needs PostgreSQL (BENCH_DATABASE_URL) and a few minutes.
bench: install-test
	$(PY) -m bench.run

worker: install
	$(PY) manage.py worker

# The RQ task backend (TASKS_BACKEND=django_tasks_rq.RQBackend, docs/scaling.md).
worker-rq: install
	$(PY) manage.py rqworker default --job-class django_tasks_rq.backend.Job --with-scheduler

test: install-test static
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# pip-audit asks PyPI's JSON API about every installed package (needs network). AUDIT_STRICT=1
# also fails when a package could not be looked up, which a release check should insist on.
audit: install-test
	$(BIN)/pip-audit --progress-spinner off --skip-editable --desc on $(if $(AUDIT_STRICT),--strict)
	$(BIN)/ruff check --select S --no-fix .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The site's CSS and JS: GOV.UK Frontend from node_modules compiled with the partnership's own
# fonts and name into static_build/ (git-ignored; settings.STATICFILES_DIRS picks it up).
STATIC_SOURCES := $(wildcard assets/*)
static: static_build/.built

static_build/.built: $(STATIC_SOURCES) package-lock.json | node_modules/.installed
	@mkdir -p static_build
	node_modules/.bin/sass --quiet-deps --silence-deprecation=import --load-path=node_modules \
		--style=compressed --no-source-map assets/application.scss static_build/application.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js assets/application.js assets/api-docs.css \
		assets/favicon.svg static_build/
	@touch $@

# Screenshots of the main pages, taken from the demo running in a real server (docs/screenshots/).
screenshots: install-test static
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/mail static_build
