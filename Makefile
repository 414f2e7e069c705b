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

.PHONY: venv build publish test pytest docs lock clean

venv:            ## create or reuse .venv from requirements.lock
	@scripts/ensure_venv.sh

build: venv      ## seeds, models and data tests on the embedded DuckDB, then publish the marts
	$(DBT) build
	$(MAKE) --no-print-directory publish

publish: venv    ## copy the marts to published/medres.duckdb and published/parquet/ (atomic replace)
	$(BIN)/python -m medres.publish

pytest: venv     ## unit tests of the medres package
	$(BIN)/python -m pytest

test: build pytest  ## everything: dbt build (with its data tests), then pytest

docs: venv       ## generate and serve the dbt docs site (lineage graph) on http://localhost:8080
	$(DBT) docs generate
	$(DBT) docs serve --port 8080 --no-browser

lock:            ## re-resolve requirements.in into requirements.lock (needs uv; maintainers only)
	uv pip compile requirements.in --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf target logs warehouse/*.duckdb* published .venv
