# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV  ?= .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.bootstrapped

.PHONY: demo test check lint format typecheck bootstrap clean

$(STAMP): pyproject.toml scripts/bootstrap.sh
	VENV=$(VENV) ./scripts/bootstrap.sh
	@touch $(STAMP)

bootstrap: $(STAMP)

## Run the team on a built-in task with the embedded default model (fetched on first use).
demo: $(STAMP)
	$(BIN)/sparring models pull
	$(BIN)/sparring demo

## Every check: lint, format, types, tests. CI runs exactly this.
test: $(STAMP)
	$(BIN)/sparring models pull --no-progress
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

check: test

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
