# The two commands of the README: `make run` and `make test`. Each sets up .venv itself.
VENV := .venv
BIN := $(VENV)/bin
DEPS := pyproject.toml constraints.txt scripts/venv.sh

.PHONY: run test ground-truth lint check-imports bench screenshots snapshot-update

$(VENV)/.stamp-run: $(DEPS)
	sh scripts/venv.sh
	touch $@

$(VENV)/.stamp-dev: $(DEPS)
	sh scripts/venv.sh dev
	touch $@ $(VENV)/.stamp-run

run: $(VENV)/.stamp-run
	$(BIN)/nitrodeck

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n auto --dist loadgroup

# The EIF tests against AWS's own eif_build and describe-eif (docs/eif.md says how to get them):
# `make test` skips them where the tools are absent; here a missing tool is a failure.
ground-truth: $(VENV)/.stamp-dev
	NITRODECK_GROUND_TRUTH=require $(BIN)/python -m pytest tests/eif/test_tools_ground_truth.py

snapshot-update: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest tests/tui --snapshot-update

bench: $(VENV)/.stamp-dev
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

screenshots: $(VENV)/.stamp-dev
	$(BIN)/python scripts/screenshots.py
