"""great-expectations gate: the published copy keeps what dbt proved, as its readers are promised.

One home per rule, chosen by audience:

* the seed check (``medres.seedcheck``, rules in ``seeds/_seeds.yml``) says what only a CSV reader
  can say: files, rows, encodings, cells;
* dbt's data tests and contracts own every rule about the data (keys, ranges, value sets, bands,
  rows per group, rules between columns and models), and ``dbt build`` runs them in the warehouse;
  ``medres.publish`` copies the marts only after a build whose every test passed;
* this gate checks what the published files (``published/medres.duckdb`` and
  ``published/parquet/*.parquet``) promise their readers and dbt cannot prove, because dbt never
  sees them: the DuckDB file opens; every contracted mart is there, and nothing else, with its
  contract's columns in order and their types, in both the DuckDB file and its Parquet file; the
  table and column comments are the dbt descriptions (as plain text, as ``medres.publish`` writes
  them); the keys readers join on (dbt's ``unique``/``unique_combination`` tests) and the columns
  the contract declares ``not_null`` hold in the copy; and the values survive the copy: every
  published table holds exactly the rows of its Parquet file and of the warehouse table dbt tested.

Why this design and not suites generated from every dbt test: once the copy is proven equal to the
tested warehouse tables, every dbt test holds for it too, so re-running the tests on the copy (hand
kept, as before, or translated from the manifest) adds no proof, only a second home to keep in step.
Everything expected here is read at run time from dbt's ``target/manifest.json`` (the contracts,
descriptions and key tests dbt ran); nothing (no band, threshold, value set or column list) is
written in this module, so there is nothing to keep in step. The gate needs no settings: the
values that follow from them are dbt's tests. ``--vars`` (``make validate VARS=...``) only checks,
before any suite runs, that the published copy was built with those settings
(:mod:`medres.buildsettings`, through :func:`medres.settings.resolve`); if it was not, the gate
refuses and validates nothing, as the report and the figures refuse to render.

Failures name the suite, the expectation, the object (``mart`` or ``mart.column``) and the values.
GX Data Docs are written to ``--docs``.

Usage: ``python -m medres.expectations [--published DIR] [--manifest target/manifest.json]
[--warehouse PATH] [--schema marts] [--docs DIR] [--project dbt_project.yml] [--vars YAML]``.
Exit status 0 when every expectation passes, 1 when one fails (or, validating nothing, when the copy
was built with other settings than ``--vars``), 2 when the published file, the manifest or the warehouse cannot be read.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# GX sends usage statistics unless told not to; set before great_expectations is imported.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from medres import buildsettings, publish, settings

PUBLISHED_DATABASE = "medres.duckdb"
DEFAULT_MANIFEST = Path(os.environ.get("DBT_TARGET_PATH", "target")) / "manifest.json"
CATALOG = "published_catalog"  # suite over every table and column of the published files
COPIES = "published_copies"    # suite over the rows of every copy of every mart
KEY_TESTS = {"unique": "column_name", "unique_combination": "columns"}


class GateError(RuntimeError):
    """An input of the gate (manifest, published file, warehouse) cannot be read."""


# --- What dbt declared: the contracted marts of the manifest ------------------------------------


@dataclass(frozen=True)
class Mart:
    """A contracted model as dbt's manifest declares it."""

    name: str
    description: str | None
    columns: dict[str, dict[str, Any]]  # name -> manifest column (data_type, description, constraints)
    keys: list[list[str]]               # the column lists of its unique / unique_combination tests

    @property
    def not_null(self) -> list[str]:
        return [name for name, column in self.columns.items()
                if any(c.get("type") == "not_null" for c in column.get("constraints") or [])]


def contracted_marts(manifest: dict[str, Any]) -> dict[str, Mart]:
    """Every model with an enforced contract, with the key tests dbt ran on it."""
    nodes = manifest["nodes"].values()
    keys: dict[str, list[list[str]]] = {}
    for test in nodes:
        metadata = test.get("test_metadata") or {}
        if test["resource_type"] == "test" and metadata.get("name") in KEY_TESTS:
            columns = metadata["kwargs"][KEY_TESTS[metadata["name"]]]
            keys.setdefault(test["attached_node"], []).append(
                [columns] if isinstance(columns, str) else list(columns))
    return {
        node["name"]: Mart(node["name"], node.get("description") or None, node["columns"],
                           keys.get(node["unique_id"], []))
        for node in nodes
        if node["resource_type"] == "model"
        and ((node["config"].get("contract") or {}).get("enforced"))
    }


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise GateError(f"cannot read dbt's manifest {path} ({error}): run `make build`") from error


# --- What was published ---------------------------------------------------------------------------


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def open_published(published: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the published file attached read-only as ``published``."""
    database = published / PUBLISHED_DATABASE
    if not database.exists():
        raise GateError(f"{database} does not exist: build and publish the marts first")
    connection = duckdb.connect()
    try:
        connection.execute(f"attach '{database}' as published (read_only)")
    except duckdb.Error as error:
        connection.close()
        raise GateError(f"{database} does not open: {error}") from error
    return connection


def canonical_type(connection: duckdb.DuckDBPyConnection, data_type: str | None) -> str | None:
    """A contract's type as DuckDB names it (``integer`` -> ``INTEGER``, ``int8`` -> ``BIGINT``)."""
    if not data_type:
        return None
    return connection.execute(f"select typeof(cast(null as {data_type}))").fetchone()[0]


def catalog(connection: duckdb.DuckDBPyConnection, published: Path) -> pd.DataFrame:
    """One row per published table (object ``mart``) and column (``mart.column``): its type in the
    DuckDB file, its type in the mart's Parquet file (``TABLE`` for a table whose file opens) and
    its comment."""
    rows = []
    tables = connection.execute("select table_name, comment from duckdb_tables() "
                                "where database_name = 'published' order by table_name").fetchall()
    for table, comment in tables:
        parquet = published / "parquet" / f"{table}.parquet"
        try:
            parquet_types = dict(connection.execute(
                f"select column_name, column_type from (describe select * from read_parquet('{parquet}'))"
            ).fetchall())
        except duckdb.Error:
            parquet_types = None  # missing or unreadable: every object of the table fails
        rows.append((table, "TABLE", "TABLE" if parquet_types is not None else None, comment))
        for column, data_type, column_comment in connection.execute(
                "select column_name, data_type, comment from duckdb_columns() where database_name = "
                "'published' and table_name = ? order by column_index", [table]).fetchall():
            rows.append((f"{table}.{column}", data_type, (parquet_types or {}).get(column),
                         column_comment))
    return pd.DataFrame(rows, columns=["object", "data_type", "parquet_type", "comment"])


def _differing_rows(connection: duckdb.DuckDBPyConnection, left: str, right: str) -> int | None:
    """Rows in one relation and not the other (as multisets); None when they cannot be compared."""
    try:
        return connection.execute(
            f"select (select count(*) from (from {left} except all from {right})) "
            f"+ (select count(*) from (from {right} except all from {left}))").fetchone()[0]
    except duckdb.Error:
        return None


def copies(connection: duckdb.DuckDBPyConnection, published: Path, warehouse: Path | None,
           schema: str) -> pd.DataFrame:
    """One row per published table: its rows, and the table's name under ``parquet_differs`` /
    ``warehouse_differs`` when its Parquet file / the warehouse table dbt tested does not hold
    exactly the same rows (null when they do)."""
    if warehouse is not None:
        try:
            connection.execute(f"attach '{warehouse}' as warehouse (read_only)")
        except duckdb.Error as error:
            raise GateError(f"the warehouse {warehouse} does not open ({error}); is a dbt "
                            "command running? --warehouse none skips the comparison") from error
    rows = []
    for (table,) in connection.execute("select table_name from duckdb_tables() where "
                                       "database_name = 'published' order by table_name").fetchall():
        copy = f"published.main.{_quote(table)}"
        parquet = f"read_parquet('{published / 'parquet' / f'{table}.parquet'}')"
        row = {"mart": table, "rows": connection.execute(f"select count(*) from {copy}").fetchone()[0],
               "parquet_differs": None if _differing_rows(connection, copy, parquet) == 0 else table}
        if warehouse is not None:
            tested = f"warehouse.{_quote(schema)}.{_quote(table)}"
            row["warehouse_differs"] = None if _differing_rows(connection, copy, tested) == 0 else table
        rows.append(row)
    return pd.DataFrame(rows, columns=["mart", "rows", "parquet_differs", "warehouse_differs"][
        : 4 if warehouse is not None else 3])


# --- The suites, generated from the manifest ------------------------------------------------------


def suites(marts: dict[str, Mart], types: dict[str, str | None], *, warehouse: bool
           ) -> dict[str, list[gxe.Expectation]]:
    """The expectations of the catalog, the copies and each contracted mart.

    ``types`` maps each contract type to DuckDB's name for it (:func:`canonical_type`).
    """
    objects: dict[str, tuple[str | None, str | None]] = {}  # object -> (type, comment)
    for mart in marts.values():
        objects[mart.name] = ("TABLE", publish.plain_text(mart.description))
        for name, column in mart.columns.items():
            objects[f"{mart.name}.{name}"] = (types[column.get("data_type")],
                                              publish.plain_text(column.get("description") or None))

    def pairs(column: str, index: int) -> gxe.Expectation:
        return gxe.ExpectColumnPairValuesToBeInSet(
            column_A="object", column_B=column, ignore_row_if="neither",
            value_pairs_set=[(name, values[index]) for name, values in objects.items()])

    result = {
        CATALOG: [gxe.ExpectColumnDistinctValuesToEqualSet(column="object", value_set=list(objects)),
                  pairs("data_type", 0), pairs("parquet_type", 0), pairs("comment", 1)],
        COPIES: [gxe.ExpectColumnDistinctValuesToEqualSet(column="mart", value_set=list(marts)),
                 gxe.ExpectColumnValuesToBeNull(column="parquet_differs"),
                 *([gxe.ExpectColumnValuesToBeNull(column="warehouse_differs")] if warehouse else [])],
    }
    for mart in marts.values():
        result[mart.name] = [
            gxe.ExpectTableColumnsToMatchOrderedList(column_list=list(mart.columns)),
            *[gxe.ExpectColumnValuesToBeUnique(column=key[0]) if len(key) == 1
              else gxe.ExpectCompoundColumnsToBeUnique(column_list=key) for key in mart.keys],
            *[gxe.ExpectColumnValuesToNotBeNull(column=column) for column in mart.not_null],
        ]
    return result


# --- Running them through GX ----------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One failed expectation, in the terms a reader needs to find the bad data."""

    suite: str
    expectation: str
    column: str | None
    detail: str

    def __str__(self) -> str:
        where = f" column {self.column!r}" if self.column else ""
        return f"FAIL {self.suite}: {self.expectation}{where}: {self.detail}"


def _plain(value: Any) -> Any:
    """A value as Python prints it plainly: (2, True), not (np.int32(2), np.True_)."""
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    return value.item() if hasattr(value, "item") and hasattr(value, "dtype") else value


def _describe(suite_name: str, result: Any) -> Failure:
    """One failed GX expectation result as a Failure naming the column and the values."""
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or (f"{kwargs['column_A']}, {kwargs['column_B']}"
                                      if "column_A" in kwargs else None)
    outcome = result.result or {}
    if (result.exception_info or {}).get("raised_exception"):
        detail = f"raised {result.exception_info.get('exception_message')}"
    elif "partial_missing_list" in outcome:  # a set of objects or marts: what is missing or extra
        detail = (f"missing {sorted(outcome['partial_missing_list'])}, "
                  f"not expected {sorted(outcome.get('partial_unexpected_list') or [])}")
    elif "partial_unexpected_list" in outcome:
        detail = (f"{outcome.get('unexpected_count')} unexpected value(s), e.g. "
                  f"{[_plain(v) for v in outcome['partial_unexpected_list'][:10]]}")
    else:
        detail = f"observed {outcome.get('observed_value')!r}"
        if "column_list" in kwargs:
            detail += f" (expected {kwargs['column_list']})"
    return Failure(suite_name, config.type, column, detail)


class Gate:
    """The suites registered in one in-memory GX context (no analytics, nothing written but the
    Data Docs site); validates frames by suite name."""

    def __init__(self, suites_: dict[str, list[gxe.Expectation]], docs: Path | None = None) -> None:
        sites = {} if docs is None else {"local_site": {
            "class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs.resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}}
        self.context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            data_docs_sites=sites, analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False)))
        self.suites, self.docs = suites_, docs
        self._source = self.context.data_sources.add_pandas("medres")
        self._definitions: dict[str, gx.ValidationDefinition] = {}

    def validate(self, name: str, frame: pd.DataFrame) -> list[Failure]:
        """Validate ``frame`` with suite ``name``; return the failed expectations."""
        if name not in self._definitions:
            batch = self._source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
            suite = self.context.suites.add(gx.ExpectationSuite(name=name,
                                                                expectations=self.suites[name]))
            self._definitions[name] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=suite))
        result = self._definitions[name].run(batch_parameters={"dataframe": frame},
                                             result_format="SUMMARY")
        return [_describe(name, r) for r in result.results if not r.success]

    def build_docs(self) -> None:
        if self.docs is not None:
            self.context.build_data_docs()


def _reset_docs(docs: Path) -> None:
    """Remove a previous GX site (only a directory that looks like one) so old pages do not linger."""
    if (docs / "index.html").exists() and (docs / "static").is_dir():
        shutil.rmtree(docs)
    docs.mkdir(parents=True, exist_ok=True)


def run(published: Path, manifest: Path, warehouse: Path | None = None, schema: str = "marts",
        docs: Path | None = None) -> tuple[dict[str, int], list[Failure]]:
    """Validate the published files against the manifest; return the expectations per suite and
    the failures. Raises :class:`GateError` when an input cannot be read."""
    marts = contracted_marts(load_manifest(manifest))
    connection = open_published(published)
    try:
        types = {t: canonical_type(connection, t)
                 for t in {c.get("data_type") for m in marts.values() for c in m.columns.values()}}
        frames = {CATALOG: catalog(connection, published),
                  COPIES: copies(connection, published, warehouse, schema)}
        for name in sorted(set(frames[COPIES]["mart"]) & set(marts)):
            frames[name] = connection.execute(f"from published.main.{_quote(name)}").df()
    finally:
        connection.close()
    gate = Gate(suites(marts, types, warehouse=warehouse is not None), docs)
    failures, counts = [], {}
    for name, frame in frames.items():
        counts[name] = len(gate.suites[name])
        failures.extend(gate.validate(name, frame))
    gate.build_docs()
    return counts, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST,
                        help="dbt's manifest of the build (contracts, descriptions, key tests)")
    parser.add_argument("--warehouse", default=str(publish.DEFAULT_WAREHOUSE),
                        help="the warehouse dbt tested, compared row for row ('none': skip)")
    parser.add_argument("--schema", default=publish.MARTS_SCHEMA,
                        help="the warehouse schema of the marts (as medres.publish --schema)")
    parser.add_argument("--docs", type=Path, default=Path("reports/gx"))
    parser.add_argument("--project", type=Path, default=Path("dbt_project.yml"),
                        help="the project whose settings --vars overrides")
    parser.add_argument("--vars", default=None,
                        help="YAML mapping, as dbt's --vars: the published copy must have been "
                             "built with these settings")
    arguments = parser.parse_args(argv)
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warehouse = None if arguments.warehouse.lower() == "none" else Path(arguments.warehouse)

    # Settings first: a slip in --vars, or a published copy built with other settings, stops the
    # gate before any suite runs (as the report and the figures refuse before they render). The
    # previous Data Docs go first, so a refused run leaves no green page behind.
    _reset_docs(arguments.docs)
    try:
        other_settings = [] if arguments.vars is None else buildsettings.differences(
            buildsettings.published_settings(arguments.published),
            settings.resolve(arguments.project.parent, arguments.vars))
    except settings.SettingsError as error:
        print(f"medres.expectations: {error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, duckdb.Error) as error:
        print(f"medres.expectations: the settings of {arguments.published}/medres.duckdb cannot be "
              f"read: {error}", file=sys.stderr)
        return 2
    if other_settings:
        for difference in other_settings:
            print(f"FAIL settings: published with {difference}", file=sys.stderr)
        print("medres.expectations: refused, nothing validated: build with these settings first "
              "(make build VARS=...)", file=sys.stderr)
        return 1

    try:
        counts, failures = run(arguments.published, arguments.manifest, warehouse,
                               arguments.schema, arguments.docs)
    except GateError as error:
        print(f"medres.expectations: {error}", file=sys.stderr)
        return 2
    for name, count in counts.items():
        found = sum(f.suite == name for f in failures)
        print(f"{'ok  ' if not found else 'FAIL'} {name}: {count - found}/{count} expectations")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"medres.expectations: {len(counts) - 2} marts validated against {arguments.manifest}, "
          f"{len(failures)} failed expectation(s); Data Docs in {arguments.docs}/index.html")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
