# publish — the commands writers, designers and CI use. `make help` lists them.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help setup build pdf html lint test release strings bench fidelity clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): pyproject.toml scripts/system-deps tests/package.json tests/package-lock.json
	scripts/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
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
# extra (Typst, pypdf, pyinstrument) is installed here only; `make test` never needs it.
bench: $(STAMP)  ## time publish against bare WeasyPrint and Typst, cached, parallel and at scale (~15 min)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python benchmarks/run.py

# Text fidelity: how many of the seed briefings' paragraphs come back exactly from the PDFs, per
# language and reader (poppler's pdftotext, pdf.js as in Firefox, pypdf), and which do not
# (tests/fidelity.py; tests/test_fidelity.py asserts the figures). FIDELITY="--plain" measures
# WeasyPrint's own text drawing instead, for comparison; --help lists the options.
fidelity: $(STAMP)  ## report how much of each briefing's text comes back out of its PDFs, per reader
	$(BIN)/python -m tests.fidelity $(FIDELITY)

clean:  ## remove build outputs (keeps the virtual environment)
	rm -rf build dist .pytest_cache
