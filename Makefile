# medres — the README's Quickstart is `make build` then `make test`.
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

.PHONY: venv build publish validate figures report browser-test bench test pytest docs lock clean

venv:            ## create or reuse .venv from requirements.lock
	@scripts/ensure_venv.sh

build: venv      ## check the seeds, then seeds, models and data tests on the embedded DuckDB, then publish the marts
	$(BIN)/python -m medres.seedcheck
	$(DBT) build
	$(MAKE) --no-print-directory publish

publish: venv    ## copy the marts to published/medres.duckdb and published/parquet/ (atomic replace)
	$(BIN)/python -m medres.publish

pytest: venv     ## unit tests of the medres package
	$(BIN)/python -m pytest

validate: venv   ## great-expectations suites over the seeds and the published marts; Data Docs in reports/gx/ (VARS='{..}' overrides the seed suites' vars)
	GX_ANALYTICS_ENABLED=False $(BIN)/python -m medres.expectations --seeds seeds --published published --docs reports/gx $(if $(VARS),--vars '$(VARS)')

figures: venv    ## figures (PNG + SVG) from the published marts into reports/figures/
	$(BIN)/python -m medres.figures --published published --out reports/figures

report: venv     ## the figures plus the static HTML report reports/index.html
	$(BIN)/python -m medres.report --published published --out reports

browser-test: venv  ## render the report and the dbt docs in headless Chromium; refreshes docs/images/
	scripts/install_chromium.sh
	MEDRES_SCREENSHOT_DIR=docs/images $(BIN)/python -m pytest python_tests/test_browser.py

bench: venv      ## dbt build vs a trivial project and a same-DAG floor (warm parse; --parse cold via bench/run.py), Python model costs, 2,851-county run
	$(BIN)/python bench/run.py

test: build validate report  ## everything: build (with dbt data tests), great-expectations, report, then pytest (browser included)
	scripts/install_chromium.sh
	$(BIN)/python -m pytest

docs: venv       ## generate and serve the dbt docs site (lineage graph) on http://localhost:8080
	$(DBT) docs generate
	$(DBT) docs serve --port 8080 --no-browser

lock:            ## re-resolve requirements.in into requirements.lock (needs uv; maintainers only)
	uv pip compile requirements.in --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf target logs warehouse/*.duckdb* published reports .venv
