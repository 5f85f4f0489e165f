# The targets are the commands people type. `make run` and `make test` work on a fresh machine
# with Python 3.11+; everything else is installed into .venv by these rules.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export CCC_SIMULATOR ?= on
# Set on the command line only (`make run PORT=8080`): a PORT in the environment is ignored.
HOST = 127.0.0.1
PORT = 8000

.PHONY: venv run test lint typecheck check migrate worker demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/ccc demo
	$(BIN)/ccc serve --host $(HOST) --port $(PORT)

# The suite runs on SQLite first; when CCC_TEST_DATABASE_URL / CCC_TEST_REDIS_URL are set it
# runs again on PostgreSQL with jobs through a real Redis.
# Tests run in parallel, one process per core (TEST_JOBS=0 runs them in this process); each
# process has its own database and Redis db (tests/conftest.py).
TEST_JOBS ?= auto
test: $(STAMP)
	env -u CCC_TEST_DATABASE_URL -u CCC_TEST_REDIS_URL $(BIN)/pytest -q -n $(TEST_JOBS)
	@if [ -n "$$CCC_TEST_DATABASE_URL$$CCC_TEST_REDIS_URL" ]; then \
		echo "== again on $$CCC_TEST_DATABASE_URL with Redis $$CCC_TEST_REDIS_URL"; \
		$(BIN)/pytest -q -n $(TEST_JOBS); \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check ccc bots workflows tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

migrate: $(STAMP)
	$(BIN)/ccc migrate

worker: $(STAMP)
	$(BIN)/ccc worker

demo: $(STAMP)
	$(BIN)/ccc demo

bench: $(STAMP)
	$(BIN)/python bench/webhooks.py

clean:
	rm -rf $(VENV) ccc.db .pytest_cache .mypy_cache .ruff_cache
