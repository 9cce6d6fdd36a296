# Kindred: two commands on a fresh machine with Python 3.11 — `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install run serve test lint bench clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Translations: the .po catalogues are committed, their compiled .mo files are not.
install: $(STAMP)
	$(BIN)/pybabel compile -d community/locale -D kindred

run: install
	$(BIN)/kindred db upgrade
	$(BIN)/kindred demo --if-empty
	$(BIN)/kindred serve --host 127.0.0.1 --port 8000

NODE_STAMP := node_modules/.package-lock.json

# axe-core (accessibility checks in the browser tests) comes from the npm registry, pinned.
$(NODE_STAMP): package.json package-lock.json
	command -v npm >/dev/null || { echo "npm is needed for the accessibility checks (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund

# Browser tests run in their own pytest process: Playwright's sync API keeps an event loop
# running in the main thread, which the database fixtures' asyncio.run() cannot share. Each
# of the two workers has its own live server and Chromium; a file's journeys stay together.
test: install $(NODE_STAMP)
	$(BIN)/python -m pytest -n 2 --ignore=tests/browser $(PYTEST_ARGS)
	$(BIN)/python -m pytest -n 2 --dist loadfile tests/browser $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check community outcomes moderation tests bench .ci
	$(BIN)/mypy
	$(BIN)/python .ci/layering.py

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Catch up with new strings: extract every user-facing string into the template (English
# is the source), merge it into each catalogue (new entries empty, changed ones fuzzy), and
# list what is left to translate (exit 1 while anything is).
messages: install
	mkdir -p community/locale
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 \
		--add-location=file --sort-output --no-wrap \
		-o community/locale/kindred.pot --project=Kindred .
	$(BIN)/pybabel update -i community/locale/kindred.pot -d community/locale -D kindred \
		--ignore-obsolete --no-wrap --ignore-pot-creation-date
	$(BIN)/pybabel compile -d community/locale -D kindred
	$(BIN)/python -m community.catalogues
