# LG Knowledge Hub. `make run` serves the portal with demo data; `make test` runs the whole suite.
# Both bootstrap what they need: a virtual environment in .venv from requirements.lock, and (unless DATABASE_URL
# is set) an embedded PostgreSQL under var/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install browser lock stop worker check clean-db bench

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

run: install
	@export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py createcachetable && \
	$(BIN)/python manage.py seed_demo && \
	{ $(BIN)/python manage.py db_worker --queue-name '*' --exclude-queues newsletters --no-reload & worker=$$!; \
	  $(BIN)/python manage.py db_worker --queue-name newsletters --no-reload & sender=$$!; \
	  trap 'kill $$worker $$sender 2>/dev/null; wait $$worker $$sender 2>/dev/null' EXIT INT TERM; \
	  echo "Task workers started (pids $$worker, $$sender for newsletters). Serving on http://$(HOST):$(PORT)/"; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT); }

# One worker for everything; a newsletter send keeps a worker busy until the list is done, so production runs
# dedicated newsletter workers too (README, "Production").
worker: install
	$(BIN)/python manage.py db_worker --queue-name '*'

# Browser tests drive Chromium: Debian's package where it can be installed, otherwise Playwright's own build.
browser: install
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || test -n "$$CHROMIUM_PATH"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "Installing Playwright's Chromium for the browser tests"; $(BIN)/python -m playwright install chromium; \
	fi

test: install browser
	DJANGO_DEBUG=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

check: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py check
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	DJANGO_DEBUG=1 $(BIN)/python bench/run.py

# Re-pin dependencies after editing pyproject.toml.
lock: install
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# Stop the embedded PostgreSQL (it keeps running between commands so every process shares it).
stop: install
	$(BIN)/python -c 'from pathlib import Path; from hub.embedded_db import stop; print("stopped" if stop(Path("var")) else "not running")'
