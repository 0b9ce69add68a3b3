# The two set-up commands of the README: `make run` and `make test`.
# Each installs what it needs first, so both work on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP_APP := $(VENV)/.app-installed
STAMP_TEST := $(VENV)/.test-installed

# Debian libraries WeasyPrint needs to make the published policies' PDFs.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

# Where `make run` serves: `make run PORT=5001 HOST=0.0.0.0`.
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup setup-test pdf-libs pg-client bench clean bundle

run: setup
	$(VENV)/bin/policyflow init --demo
	$(VENV)/bin/policyflow serve --host $(HOST) --port $(PORT)

# Tests run in one process per core (TEST_WORKERS=0 runs them in this one): each process has its
# own SQLite files, PostgreSQL schemas, ports, sandbox workers and Chromium. worksteal hands an idle
# process tests from the other's queue, so one long test does not leave the other core idle at the end.
TEST_WORKERS ?= 2

test: setup-test
	$(VENV)/bin/ruff check workflows webapp tests bench
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

setup: pdf-libs pg-client $(STAMP_APP) node_modules/.package-lock.json bundle

setup-test: setup $(STAMP_TEST) /usr/bin/chromium /usr/bin/pdfinfo

$(STAMP_APP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): $(STAMP_APP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# The studio's bundle (bpmn-js modeler, properties panel, dmn-js, bpmn-js-differ) from npm, built by esbuild.
STUDIO_SOURCES := $(wildcard webapp/static/src/*)
STUDIO_BUNDLE := webapp/static/build/studio.js

bundle: $(STUDIO_BUNDLE)

$(STUDIO_BUNDLE): node_modules/.package-lock.json $(STUDIO_SOURCES)
	npx --no-install esbuild webapp/static/src/studio.js --bundle --minify --format=iife --target=es2020 \
		--loader:.woff=dataurl --loader:.woff2=dataurl --loader:.ttf=dataurl --loader:.eot=empty \
		--loader:.svg=dataurl --log-level=warning --outfile=$@

# Installed only when one is missing (dpkg knows them all otherwise, and this is quick).
pdf-libs:
	@dpkg -s $(PDF_LIBS) >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS); }

# `policyflow backup` / `restore` on PostgreSQL run pg_dump / pg_restore from Debian's client.
pg-client:
	@command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client; }

# Browser tests drive Debian's Chromium (test tools cannot download browsers here).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core

# The PDF tests read what a screen reader would be told (tags, language, title) with Poppler's pdfinfo.
/usr/bin/pdfinfo:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules instance webapp/static/build
