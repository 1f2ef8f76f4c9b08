# Quick start: `make run` (the bot) and `make test` (the suite). Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sd lint bench sync clean redis-server postgresql chromium

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: a bare requirement would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet -c constraints.txt "torch==2.13.0"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[worker,dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

# Two test processes: most end-to-end tests wait on a bot, a worker and the fake Discord.
TEST_WORKERS ?= 2
test: $(STAMP) redis-server postgresql chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

# The end-to-end and command-line tests run on the default family's offline build
# (TEST_MODEL=tiny:flux2); this runs them once more on the SD build (MODEL=tiny).
test-sd: $(STAMP) redis-server
	TEST_MODEL=tiny $(BIN)/python -m pytest -q -n $(TEST_WORKERS) tests/e2e tests/test_cli.py

# The Redis queue's tests start a real redis-server (Debian's package); install it if missing.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
redis-server:
	@command -v redis-server >/dev/null || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }

# The store's contract tests also run on PostgreSQL: they start a throwaway server from
# Debian's binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin); install them if missing.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

# The web pages' browser tests drive Debian's chromium through Playwright's Python package
# (never Playwright's own browser downloads); install it if missing.
chromium:
	@command -v chromium >/dev/null || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP) redis-server
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/redis_overhead.py

sync: $(STAMP)
	$(BIN)/python -m bot sync

clean:
	rm -rf $(VENV)
