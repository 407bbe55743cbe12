# publish — the commands writers, designers and CI use. `make help` lists them.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help setup build pdf html lint test release clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): pyproject.toml scripts/system-deps tests/package.json tests/package-lock.json
	scripts/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
# axe-core for the browser tests (tests/package-lock.json): installed here, never while testing.
	npm ci --prefix tests --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(STAMP)

setup: $(STAMP)  ## install system packages (Debian) and the virtual environment

build: $(STAMP)  ## build every briefing: build/pdf/*.pdf and build/site/
	$(BIN)/publish build

pdf: $(STAMP)  ## build only the PDFs
	$(BIN)/publish build --format pdf

html: $(STAMP)  ## build only the web site
	$(BIN)/publish build --format html

lint: $(STAMP)  ## check the code (ruff) and the CI workflows and action (actionlint, zizmor)
	@status=0; \
	$(BIN)/ruff check src tests || status=1; \
	$(BIN)/ruff format --check src tests || status=1; \
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/actionlint .github/workflows/*.yml || status=1; \
	$(BIN)/zizmor --offline --no-progress --quiet .github/workflows action.yml || status=1; \
	exit $$status

test: lint  ## check the code and workflows (make lint), then run the test suite
	$(BIN)/python -m pytest

release: $(STAMP)  ## build every briefing reproducibly into dist/: PDFs, site.tar.gz, SHA256SUMS
	$(BIN)/publish release

clean:  ## remove build outputs (keeps the virtual environment)
	rm -rf build dist .pytest_cache
