# publish — the commands writers, designers and CI use. `make help` lists them.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help setup build pdf html lint test test-latest lock upgrade release strings bench fidelity clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
LOCK := requirements/lock.txt
BENCH_LOCK := requirements/bench.txt
RUNTIME_LOCK := requirements/runtime.txt

# The virtual environment holds exactly the versions of the lock file, each checked against its
# hashes: an upstream release changes nothing here until `make upgrade` moves the lock on purpose.
# publish itself is installed editable on top, built with the locked setuptools.
$(STAMP): $(LOCK) pyproject.toml scripts/system-deps tests/package.json tests/package-lock.json
	scripts/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes --no-deps -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	$(BIN)/python scripts/check-lock $(LOCK)
# axe-core for the browser tests and pdf.js for the text-fidelity tests (tests/package-lock.json):
# installed here, never while testing; pdf.js's optional canvas package (for rendering) is not needed.
	npm ci --prefix tests --no-audit --no-fund --ignore-scripts --omit=optional --loglevel=error
	touch $(STAMP)

setup: $(STAMP)  ## install system packages (Debian) and the virtual environment

build: $(STAMP)  ## build every briefing: build/pdf/*.pdf and build/site/
	$(BIN)/publish build

pdf: $(STAMP)  ## build only the PDFs
	$(BIN)/publish build --format pdf

html: $(STAMP)  ## build only the web site
	$(BIN)/publish build --format html

lint: $(STAMP)  ## check the code (ruff), its imports (deptry, import-linter), the CI workflows and action
	@status=0; \
	$(BIN)/ruff check src tests || status=1; \
	$(BIN)/ruff format --check src tests || status=1; \
	$(BIN)/deptry src || status=1; \
	$(BIN)/lint-imports --no-cache || status=1; \
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/actionlint .github/workflows/*.yml || status=1; \
	$(BIN)/zizmor --offline --no-progress --quiet .github/workflows .github/dependabot.yml action.yml || status=1; \
	exit $$status

test: lint  ## check the code and workflows (make lint), then run the test suite
	$(BIN)/python -m pytest

# The lock, for every platform, with hashes, written by uv from pyproject.toml:
#   requirements/lock.txt      publish, its tests and checkers (make setup, make test)
#   requirements/bench.txt     that and `make bench`'s extra
#   requirements/runtime.txt   publish alone, and setuptools to build it (the reusable action.yml)
# The last two are constrained to lock.txt, so every file names the same versions.
COMPILE := $(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes --no-header --quiet
define write-lock
	$(COMPILE) $(1) pyproject.toml --extra test --extra dev -o $(LOCK)
	$(COMPILE) $(1) pyproject.toml --extra test --extra dev --extra bench -c $(LOCK) -o $(BENCH_LOCK)
	$(COMPILE) $(1) pyproject.toml requirements/build.in -c $(LOCK) -o $(RUNTIME_LOCK)
endef
lock: $(STAMP)  ## refresh the lock after editing pyproject.toml's dependencies (keeps every other version)
	$(call write-lock,)

upgrade: $(STAMP)  ## move the lock to the newest versions pyproject.toml allows; then run make test
	$(call write-lock,--upgrade)

# What the newest upstream releases would do to us, before a user finds out: the suite in a scratch
# environment with every dependency at its newest version (no lock), and which versions differ from
# the lock. The weekly workflow .github/workflows/upstream.yml runs this.
LATEST := .venv-latest
test-latest: $(STAMP)  ## run the tests against the newest release of every dependency (unlocked, in .venv-latest)
	rm -rf $(LATEST) && $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade -e '.[test,dev]'
	$(LATEST)/bin/python scripts/check-lock --report $(LOCK)
	$(LATEST)/bin/python -m pytest -p no:cacheprovider

release: $(STAMP)  ## build every briefing reproducibly into dist/: PDFs, site.tar.gz, SHA256SUMS
	$(BIN)/publish release

# UI strings: extract every message the templates and the code mark into the template catalog,
# then merge it into each language's catalog (new messages untranslated, changed ones fuzzy).
# Translate them in layouts/base/locale/<lang>/LC_MESSAGES/messages.po; publish compiles the
# catalogs with Babel when it builds. A new language: pybabel init -l LANG (see the README).
LOCALE := layouts/base/locale
strings: $(STAMP)  ## update the UI string catalogs (layouts/base/locale) from the templates and code
	$(BIN)/pybabel -q extract -F babel.cfg -c Translators: --sort-by-file --no-wrap \
		--project publish --copyright-holder "the publish authors" --msgid-bugs-address "" \
		-o $(LOCALE)/messages.pot .
	$(BIN)/pybabel -q update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile --statistics -d $(LOCALE) -o /dev/null 2>&1 | grep -v "^compiling" || true

# Benchmarks: timings live here and in benchmarks/README.md, never in the tests. The `bench`
# extra (Typst, pypdf, pyinstrument, Pandoc) is installed here only; `make test` never needs it.
bench: $(STAMP)  ## time publish against the peer pipeline, bare WeasyPrint and Typst; serve's edit loop; cached, parallel, at scale (~25 min)
	$(PIP) install --require-hashes --no-deps -r $(BENCH_LOCK)
	$(BIN)/python benchmarks/run.py

# Text fidelity: how many of the seed briefings' paragraphs come back exactly from the PDFs, per
# language and reader (poppler's pdftotext, pdf.js as in Firefox, pypdf), and which do not
# (tests/fidelity.py; tests/test_fidelity.py asserts the figures). FIDELITY="--plain" measures
# WeasyPrint's own text drawing instead, for comparison; --help lists the options.
fidelity: $(STAMP)  ## report how much of each briefing's text comes back out of its PDFs, per reader
	$(BIN)/python -m tests.fidelity $(FIDELITY)

clean:  ## remove build outputs (keeps the virtual environment)
	rm -rf build dist .pytest_cache $(LATEST)
