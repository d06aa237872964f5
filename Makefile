# SEND Portal. Two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgresql bench install install-dev chromium postgresql clamav check-schemas vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(FLASK) build-static
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, create the SQLite database with demo data, serve on http://127.0.0.1:5000
run: install
	$(FLASK) check-schemas
	$(FLASK) init-db
	$(FLASK) demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

## Debian's Chromium for the browser tests (no browser download from the internet).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@/usr/bin/chromium --version

## Debian's PostgreSQL server binaries for the tests' throwaway cluster (tests/pg_cluster.sh).
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing Debian's postgresql for the PostgreSQL test run"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	  $$SUDO service postgresql stop >/dev/null 2>&1 || true; \
	fi
	@ls -d /usr/lib/postgresql/*/bin/initdb

## Debian's clamd for the virus-scanning tests (tests/clamav/daemon.py starts its own on a unix
## socket with a one-signature database). The package's services are not started by the install
## (a temporary policy-rc.d says no, unless one is already there) and are then disabled: nothing
## runs freshclam or listens on TCP; no signatures are downloaded.
clamav:
	@if [ ! -x /usr/sbin/clamd ]; then \
	  echo "Installing Debian's clamav-daemon for the virus-scanning tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); POLICY=/usr/sbin/policy-rc.d; ADDED=; \
	  if [ ! -e $$POLICY ]; then printf '#!/bin/sh\nexit 101\n' | $$SUDO tee $$POLICY >/dev/null && $$SUDO chmod 755 $$POLICY && ADDED=1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends clamav-daemon >/dev/null \
	    || echo "clamav-daemon could not be installed: the virus-scanning tests will say they were skipped"; \
	  if [ -n "$$ADDED" ]; then $$SUDO rm -f $$POLICY; fi; \
	  for unit in clamav-freshclam clamav-daemon.socket clamav-daemon; do \
	    $$SUDO service $$unit stop >/dev/null 2>&1 || true; \
	    $$SUDO systemctl disable --now $$unit >/dev/null 2>&1 || true; \
	  done; \
	fi
	@/usr/sbin/clamd --version 2>/dev/null || true

PYTEST := $(BIN)/pytest -n 2 --dist loadgroup -q -rs

## make test: install what the tests need (Chromium, PostgreSQL, clamd) and run the whole suite twice:
## on SQLite, then on a throwaway PostgreSQL cluster; fails if either run fails.
test: install-dev chromium postgresql clamav
	@status=0; \
	echo "== SQLite =="; $(PYTEST) || status=1; \
	echo "== PostgreSQL =="; tests/pg_cluster.sh $(PYTEST) || status=1; \
	exit $$status

## One engine only: `make test-sqlite`, `make test-postgresql` (ARGS="tests/http -x" narrows it).
test-sqlite: install-dev chromium clamav
	@echo "== SQLite =="; $(PYTEST) $(ARGS)

test-postgresql: install-dev chromium postgresql clamav
	@echo "== PostgreSQL =="; tests/pg_cluster.sh $(PYTEST) $(ARGS)

$(VENV)/.installed-bench: requirements-bench.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

## make bench: load, page weight, PDF and scale figures into docs/benchmarks.md (not part of
## make test; about 10 minutes). `make bench QUICK=1`: short runs for development.
## `make bench SCALE=national`: only the scale part, on SQLite and on PostgreSQL (a throwaway
## cluster; skipped with a line when PostgreSQL is not installed), 10,000 then 100,000 people.
bench: $(VENV)/.installed-bench
	BENCH_QUICK=$(QUICK) BENCH_SCALE=$(SCALE) $(BIN)/python -m tests.perf.run

check-schemas: install
	$(FLASK) check-schemas

## Refresh vendored front-end assets (needs npm); see static/vendor/VERSIONS.
vendor:
	./static/vendor/refresh.sh

clean:
	rm -rf $(VENV) instance
