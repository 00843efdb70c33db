# MiniBot developer entry points. `make test` and `make demo` work on a fresh Debian machine:
# they install the Python packages in .venv and the system programs they need (apt-get, as root;
# otherwise they stop at once with the one command to run), and stop the embedded Postgres they
# started. Set MINIBOT_DATABASE_URL / MINIBOT_TEST_DATABASE_URL to use your own Postgres instead.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_HOME := $(or $(XDG_DATA_HOME),$(HOME)/.local/share)
TEST_PGDATA := $(DATA_HOME)/minibot-test/postgres

.PHONY: install deps test-deps demo-deps test lint demo bench clean unit integration e2e browser

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required: sudo apt-get install -y python3.11 python3.11-venv"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# System programs: espeak-ng and sox voice the simulated callers, Chromium runs the browser tests.
test-deps:
	@bash .ci/system-deps.sh espeak-ng sox chromium chromedriver

demo-deps:
	@bash .ci/system-deps.sh espeak-ng sox

deps: test-deps

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The tests start an embedded Postgres when MINIBOT_TEST_DATABASE_URL is unset; it is stopped after.
test: $(STAMP) test-deps
	@rc=0; $(BIN)/python -m pytest -q $(PYTEST_ARGS) || rc=$$?; \
	  [ -n "$$MINIBOT_TEST_DATABASE_URL" ] || $(BIN)/minibot db stop --pgdata "$(TEST_PGDATA)"; exit $$rc

unit integration e2e browser: $(STAMP) test-deps
	@rc=0; $(BIN)/python -m pytest -q -m $@ $(PYTEST_ARGS) || rc=$$?; \
	  [ -n "$$MINIBOT_TEST_DATABASE_URL" ] || $(BIN)/minibot db stop --pgdata "$(TEST_PGDATA)"; exit $$rc

demo: $(STAMP) demo-deps
	@rc=0; $(BIN)/minibot demo || rc=$$?; \
	  [ -n "$$MINIBOT_DATABASE_URL" ] || $(BIN)/minibot db stop; exit $$rc

bench: $(STAMP) test-deps
	@rc=0; $(BIN)/python -m benchmarks.run_all || rc=$$?; \
	  [ -n "$$MINIBOT_TEST_DATABASE_URL$$MINIBOT_DATABASE_URL" ] || \
	  $(BIN)/minibot db stop --pgdata "$(DATA_HOME)/minibot/postgres-bench"; exit $$rc

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
