# Two commands set everything up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := contracts documents esignature activities api domain web workflows signature_provider worker.py supervisor.py sceau_cli.py

.PHONY: install system-deps static bytecode run test faults lint histories fuzz clean

install: $(STAMP) system-deps static bytecode

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Sceau needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	@scripts/install-system-deps.sh

# The pages' one third-party script (htmx), pinned, from the npm registry (see the script).
static:
	@scripts/vendor-htmx.sh

# The workflow sandbox imports the workflow modules afresh for every workflow run; with
# PYTHONDONTWRITEBYTECODE set, Python would compile them from source each time. Only files
# changed since the last run are compiled again.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q $(SOURCES)

run: install
	$(BIN)/sceau run

test: install
	$(BIN)/pytest

# Every fault-injection case alone (a hung converter, the database lost right after the
# provider call, the Temporal server restarted...); `make test` runs them too. See tests/faults/.
faults: install
	$(BIN)/pytest -m faults tests/faults

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# A longer schemathesis run over every operation; its last line counts requests and 5xx.
fuzz: install
	@mkdir -p var
	SCEAU_FUZZ_EXAMPLES=200 SCEAU_FUZZ_REPORT=var/fuzz.txt $(BIN)/pytest -q tests/e2e/test_fuzz.py; \
	status=$$?; tail -n 1 var/fuzz.txt; exit $$status

# Re-record the workflow histories that the replay tests check (see docs/workflow-changes.md).
histories: install
	$(BIN)/python -m tests.workflow.record_histories

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
