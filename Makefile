# The two commands of the README: `make run` and `make test`. Each sets up .venv itself.
VENV := .venv
BIN := $(VENV)/bin
DEPS := pyproject.toml constraints.txt scripts/venv.sh

.PHONY: run test lint check-imports bench screenshots snapshot-update

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
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n auto --dist loadgroup

snapshot-update: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest tests/tui --snapshot-update

bench: $(VENV)/.stamp-dev
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

screenshots: $(VENV)/.stamp-dev
	$(BIN)/python scripts/screenshots.py
