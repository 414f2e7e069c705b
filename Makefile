# medres — the README's Quickstart is `make build` then `make test`; `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

BIN := .venv/bin
DBT := $(BIN)/dbt

# dbt reads profiles.yml from the project root; no telemetry or version check (no network needed).
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_VERSION_CHECK := false
export DO_NOT_TRACK := 1

# Settings: VARS='{medres_rsr_grades: 3, ...}' (YAML, as dbt's --vars) reaches the seed check and
# dbt; validate, report and figures first check that the published marts were built with these
# settings (medres.buildsettings) and refuse otherwise. Passed to the commands through the
# environment, so quotes inside VARS need no escaping.
VARS ?=
export MEDRES_VARS := $(VARS)
VARS_ARG = $(if $(strip $(VARS)),--vars "$$MEDRES_VARS")
CHECK_PUBLISHED_SETTINGS = $(if $(strip $(VARS)),$(BIN)/python -m medres.buildsettings --published published $(VARS_ARG))

.PHONY: help venv build publish validate figures report explorer heat-export browser-test bench bench-suite bench-explorer test test-fast test-unit lint docs lock clean

help:            ## list the targets (this text)
	@echo "medres make targets (settings: VARS='{medres_rsr_grades: 3}', see README 'Settings'):"
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z-]+:[^#]*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv:            ## create or reuse .venv from requirements.lock (first run: about 2 minutes)
	@scripts/ensure_venv.sh

build: venv      ## check the seeds, dbt build (seeds, models, data tests; failing rows printed), publish the marts; VARS='{..}' sets settings (about 40 s)
	@echo "medres: 1/3 checking the seed CSVs (python -m medres.seedcheck, a few seconds)"
	$(BIN)/python -m medres.seedcheck $(VARS_ARG)
	@echo "medres: 2/3 dbt build: seeds, models and data tests into warehouse/medres.duckdb (about 30 s)"
	@echo "medres: 3/3 then publishing the marts to published/ (a few seconds), under the same build lock"
	$(BIN)/python -m medres.build --publish $(VARS_ARG)

publish: venv    ## copy the marts to published/medres.duckdb and published/parquet/ (atomic replace)
	$(BIN)/python -m medres.publish

validate: venv   ## great-expectations: the published copy opens, holds every contracted mart (columns, types, comments, keys) and the rows dbt tested; Data Docs in reports/gx/ (with VARS: fails if published/ has other settings)
	GX_ANALYTICS_ENABLED=False $(BIN)/python -m medres.expectations --published published --docs reports/gx $(VARS_ARG)

figures: venv    ## figures (PNG + SVG) from the published marts into reports/figures/ (with VARS: refused if published/ has other settings)
	$(CHECK_PUBLISHED_SETTINGS)
	$(BIN)/python -m medres.figures --published published --out reports/figures

report: venv     ## the figures, the static HTML report reports/index.html and the explorer (with VARS: refused if published/ has other settings)
	$(CHECK_PUBLISHED_SETTINGS)
	$(BIN)/python -m medres.report --published published --out reports
	$(BIN)/python -m medres.explorer --published published --out reports/explorer

explorer: venv   ## the offline explorer reports/explorer/index.html (map, year, indicator, province → cities) from published/ (builds first if published/ is missing)
	@test -f published/medres.duckdb || { echo "medres: published/ is missing: running make build first"; $(MAKE) --no-print-directory build; }
	$(CHECK_PUBLISHED_SETTINGS)
	$(BIN)/python -m medres.explorer --published published --out reports/explorer

heat-export: venv  ## the HEAT lens's data as a WHO HEAT Plus upload file, checked against the template's rules: reports/heat_plus/medres_heat_plus.csv
	$(CHECK_PUBLISHED_SETTINGS)
	$(BIN)/python -m medres.heat_export --published published --out reports/heat_plus/medres_heat_plus.csv

browser-test: venv  ## render the report, the dbt docs and the explorer in headless Chromium; refreshes docs/images/
	scripts/install_chromium.sh
	MEDRES_SCREENSHOT_DIR=docs/images $(BIN)/python -m pytest python_tests/test_browser.py python_tests/test_explorer.py

bench: venv      ## dbt build vs a trivial project and a same-DAG floor (warm parse; --parse cold via bench/run.py), Python model costs, the city panel's share
	$(BIN)/python bench/run.py

bench-suite: venv  ## CPU seconds of the test suite per test file, on this build (run make build first; prints)
	$(BIN)/python bench/suite_cpu.py $(PYTEST_PARALLEL)

bench-explorer: venv  ## the explorer's size and first-view time in headless Chromium (prints; budget 2 s, 10 MB)
	scripts/install_chromium.sh
	$(BIN)/python bench/explorer_first_view.py

# The read-only tests read the build `make test` has just made (default settings only: with VARS
# they build a copy of their own), instead of building another copy.
READ_THIS_BUILD = $(if $(strip $(VARS)),,MEDRES_TEST_READ_WORKTREE_BUILD=1)
# The package's unit tests: no build, no copy, no browser (the markers are set in conftest.py).
UNIT_TESTS := not slow and not reads_build

# A dbt build keeps about one core busy (its Python holds the GIL), so the unit tests run beside
# it, then the tests that build copies or read this build on two pytest workers, each running whole
# modules (module fixtures are built once); great-expectations and the report run inside them
# (test_expectations runs medres.expectations' CLI on this build; the report is rendered once, by
# the worker that runs the modules reading it). Three workers were slower on the 2-core machine:
# 365 s and 684 CPU s against 328 s and 578 CPU s (docs/performance.md).
PYTEST_WORKERS ?= 2
# How make test spreads the files over its workers (bench-suite measures the same run): whole files
# per worker (the report's readers together: conftest), costliest first (conftest.COSTLIEST_FIRST)
# instead of xdist's order by test count.
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder
# The sub-makes skip the venv step: the calling target has just run it.
SIDE_BY_SIDE = $(MAKE) --no-print-directory -j2 --output-sync=target -o venv

# With VARS the tests build default-settings copies of their own, so make test checks and renders
# this build itself (great-expectations, report).
test: venv       ## everything: build beside the unit tests, then the rest of pytest (2 workers) incl. great-expectations, the report, the variant matrix and browser
	scripts/install_chromium.sh
	+$(SIDE_BY_SIDE) build test-unit
	$(if $(strip $(VARS)),+$(SIDE_BY_SIDE) validate report)
	$(READ_THIS_BUILD) $(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not ($(UNIT_TESTS))"

test-fast: venv  ## the inner loop: one build (its dbt data and unit tests run inside it) beside the package's unit tests
	+$(SIDE_BY_SIDE) build test-unit

test-unit: venv  ## the package's unit tests only (no build needed; part of make test and test-fast)
	$(BIN)/python -m pytest -m "$(UNIT_TESTS)" -q

lint: venv       ## ruff (Python; rules in ruff.toml) and sqlfluff with the dbt templater (SQL; rules in .sqlfluff)
	$(BIN)/ruff check src python_tests bench scripts models
	$(BIN)/sqlfluff lint models tests

docs: venv       ## generate and serve the dbt docs site (lineage graph) on http://localhost:8080
	$(DBT) docs generate
	$(DBT) docs serve --port 8080 --no-browser

lock:            ## re-resolve requirements.in into requirements.lock (needs uv; maintainers only)
	uv pip compile requirements.in --generate-hashes --python-version 3.11 -o requirements.lock

clean:           ## remove .venv, target/, the warehouse, published/ and reports/
	rm -rf target logs warehouse/*.duckdb* published reports .venv
