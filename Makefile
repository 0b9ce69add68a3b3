# The two set-up commands of the README: `make run` and `make test`.
# Each installs what it needs first, so both work on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP_APP := $(VENV)/.app-installed
STAMP_TEST := $(VENV)/.test-installed

.PHONY: run test setup setup-test bench clean

run: setup
	$(VENV)/bin/policyflow init --demo
	$(VENV)/bin/policyflow serve --host 127.0.0.1 --port 5000

test: setup-test
	$(VENV)/bin/ruff check workflows webapp tests bench
	$(PY) -m pytest

setup: $(STAMP_APP) node_modules/.package-lock.json

setup-test: setup $(STAMP_TEST) /usr/bin/chromium

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

# Browser tests drive Debian's Chromium (test tools cannot download browsers here).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules instance
