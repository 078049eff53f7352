# Tandem: `make demo` runs the demo LMS and Tandem; `make test` runs lint, types and the tests.
# Both start with `make install`, which is idempotent and quick when nothing changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TANDEM_PORT ?= 5050
TANDEM_DEMO_PORT ?= 5051
TANDEM_HOST ?= 127.0.0.1
# pytest processes; each test file runs whole in one of them (module fixtures stay shared).
PYTEST_WORKERS ?= 2
export TANDEM_BASE_URL ?= http://$(TANDEM_HOST):$(TANDEM_PORT)
export TANDEM_DEMO_TOOL_URL ?= $(TANDEM_BASE_URL)
export TANDEM_DEMO_PORT
STAMP := $(VENV)/.installed
MO := web/translations/nl/LC_MESSAGES/messages.mo
SOCKETIO_JS := web/static/vendor/socket.io.min.js
NOTES_JS := web/static/vendor/notes.bundle.js

.PHONY: install demo demo-reset test lint typecheck imports pytest browser nginx migrate translations bench clean

install: $(STAMP) node_modules/.installed $(MO) $(SOCKETIO_JS) $(NOTES_JS)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tandem needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	@touch $@

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: browser accessibility checks will skip"; fi

# The room page's Socket.IO client, served by Tandem itself (strict CSP: no CDN).
$(SOCKETIO_JS): node_modules/.installed
	@if [ -f node_modules/socket.io-client/dist/socket.io.min.js ]; then \
	  mkdir -p $(@D) && cp node_modules/socket.io-client/dist/socket.io.min.js $@; \
	else echo "socket.io-client is missing: the room page cannot connect"; fi

# The room's shared notes: Yjs is ESM, so web/static/src/notes.js is bundled into one file.
$(NOTES_JS): web/static/src/notes.js node_modules/.installed
	@if [ -x node_modules/.bin/esbuild ]; then \
	  node_modules/.bin/esbuild web/static/src/notes.js --bundle --minify --format=iife \
	    --target=es2019 --log-level=warning --outfile=$@; \
	else echo "esbuild is missing: the room's shared notes cannot load"; fi

$(MO): web/translations/nl/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d web/translations

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k "Nn_:1,2" -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations -w 100

migrate: install
	$(BIN)/tandem db upgrade

demo: install migrate
	@$(BIN)/python -m demo registrations | $(BIN)/tandem platform import --allow-http - >/dev/null
	@$(BIN)/python -m demo seed
	@TANDEM_HOST=$(TANDEM_HOST) TANDEM_PORT=$(TANDEM_PORT) $(BIN)/python -m demo.run

# Forget the demo's data (database, task queue, keys, logs); the next `make demo` starts afresh.
demo-reset:
	@$(BIN)/python -m demo.reset $(if $(YES),--yes)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

browser:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	    || echo "Could not install chromium: browser tests will skip"; \
	  else echo "chromium is missing and we are not root: browser tests will skip"; fi; \
	fi

# nginx for the two-processes-behind-a-proxy test (tests/realtime/test_realtime_nginx.py).
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
	    || echo "Could not install nginx: the nginx test will skip"; \
	  else echo "nginx is missing and we are not root: the nginx test will skip"; fi; \
	fi

pytest: install browser nginx
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck imports pytest

bench: install
	$(BIN)/python bench/launch.py --quick

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
