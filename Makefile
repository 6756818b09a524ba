# gigatwin: the two README commands (`make demo`, `make test`) create the virtual
# environment and install what they need by themselves.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PYBAMM_DISABLE_TELEMETRY := true
export MPLBACKEND := Agg

.PHONY: demo test test-fast bench lint clean venv browser

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job on the embedded default (no server needed).
demo: $(STAMP)
	$(BIN)/gigatwin demo

## Debian's chromium for the browser tests: installed only when missing and only as
## root; otherwise say so (the browser tests then skip, or fail when CI is set).
browser:
	@test -x /usr/bin/chromium || { test "$$(id -u)" = 0 && apt-get update && apt-get install -y chromium; } \
	  || { echo "chromium is missing: run 'apt-get install -y chromium' as root" >&2; test -z "$$CI"; }

## The whole test suite, slow and integration tests included (this is what CI runs),
## on TEST_WORKERS pytest-xdist workers (`make test TEST_WORKERS=0` runs it serially).
TEST_WORKERS ?= 2
test: $(STAMP) browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

## Everything but the tests marked slow, for the edit-test loop.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

## Benchmarks; results go to docs/benchmarks.md by hand with the machine and date.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
