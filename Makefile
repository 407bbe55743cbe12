# publish — the commands writers, designers and CI use. `make help` lists them.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help setup build pdf html test clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): pyproject.toml scripts/system-deps
	scripts/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)  ## install system packages (Debian) and the virtual environment

build: $(STAMP)  ## build every briefing: build/pdf/*.pdf and build/site/
	$(BIN)/publish build

pdf: $(STAMP)  ## build only the PDFs
	$(BIN)/publish build --format pdf

html: $(STAMP)  ## build only the web site
	$(BIN)/publish build --format html

test: $(STAMP)  ## run the test suite
	$(BIN)/python -m pytest

clean:  ## remove build outputs (keeps the virtual environment)
	rm -rf build .pytest_cache
