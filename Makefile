# Thin targets: each one calls the CLI (payctl) or pytest inside the project's virtualenv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: templates lint test demo package emulator clean

$(STAMP): setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

templates: $(STAMP)  ## render every template and per-environment parameter file into build/
	$(BIN)/payctl build

lint: $(STAMP)  ## ruff over the code; cfn-lint and policy checks run inside the test suite
	$(BIN)/ruff check templates_py scripts lambdas tests

test: $(STAMP) lint  ## build freshness, cfn-lint, policy checks and every pytest
	$(BIN)/python -m pytest

package: $(STAMP)  ## deterministic, content-addressed Lambda zips into build/dist/
	$(BIN)/payctl package

clean:
	rm -rf $(VENV) build/dist build/manifests
