"""published/medres.duckdb opens, read-only, in the older DuckDB releases BI tools embed.

The project writes with DuckDB 2.x; the engine inside BI tools, SQL clients and drivers is often a
1.x release, which refuses DuckDB's newest storage format outright. ``medres.publish`` therefore
writes the file in the format of ``PUBLISHED_STORAGE_VERSION``. This test installs an old DuckDB
into its own throw-away virtual environment (never the project's .venv), opens the file published
by a fresh build of a copy of the project (the session's ``shared_built_project``) with it, and
compares every table with the Parquet copy read by the project's DuckDB: the same tables, columns,
column types and rows in the same order, and every table and column comment of the warehouse (as
the plain text medres.publish.plain_text makes of its Markdown).

The environments are cached across runs, one per DuckDB and Python version, under
``$MEDRES_CACHE_DIR`` (default ``~/.cache/medres``; ``$XDG_CACHE_HOME/medres`` when that is set):
the first run downloads each wheel from PyPI (about 20 MB each), later runs reuse it. If the
package cannot be installed (no network) the test skips with a loud reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import ProjectCopy

from medres.publish import MARTS_SCHEMA, PUBLISHED_STORAGE_VERSION, plain_text

# The oldest release PUBLISHED_STORAGE_VERSION promises (1.1) and the last 1.x line, at their
# latest patch releases; the project's own DuckDB (2.x) is the newest reader, used on the Parquet side.
OLD_DUCKDB_VERSIONS = ("1.1.3", "1.4.5")
CACHE = Path(
    os.environ.get("MEDRES_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "medres"
)

# Run by the old DuckDB's interpreter: everything it can see in the file, as JSON.
READER = r"""
import json, sys
import duckdb

connection = duckdb.connect(sys.argv[1], read_only=True)
tables = {}
for table, comment in connection.execute(
        "select table_name, comment from duckdb_tables() order by table_name").fetchall():
    columns = connection.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where table_name = ? order by column_index", [table]).fetchall()
    quoted = '"' + table.replace('"', '""') + '"'
    rows = connection.execute(f"select * from {quoted}").fetchall()
    tables[table] = {"comment": comment, "columns": columns, "rows": rows}
print(json.dumps({"version": duckdb.__version__, "tables": tables}, default=str))
"""


def _installed_version(python: Path) -> str | None:
    if not python.exists():
        return None
    probe = subprocess.run([str(python), "-c", "import duckdb; print(duckdb.__version__)"],
                           capture_output=True, text=True, check=False, timeout=120)
    return probe.stdout.strip() if probe.returncode == 0 else None


def old_duckdb_python(version: str) -> Path:
    """The interpreter of a cached venv holding only ``duckdb==version``; created on first use."""
    name = f"duckdb-{version}-py{sys.version_info.major}.{sys.version_info.minor}"
    venv = CACHE / name
    python = venv / "bin" / "python"
    if _installed_version(python) == version:
        return python
    # Built under a temporary name and renamed into place, so an interrupted install is never
    # mistaken for a finished one (a venv's interpreter and site-packages do not depend on its path).
    staging = CACHE / f".{name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(staging)],
        [str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", "--no-deps", "--only-binary", ":all:",
         f"duckdb=={version}"],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, check=False, timeout=900)
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            pytest.skip(
                f"!!! COMPATIBILITY TEST SKIPPED: could not install duckdb=={version} into a "
                f"throw-away venv (no network to PyPI?): {' '.join(step[:4])} ... exited "
                f"{result.returncode}: {(result.stderr or result.stdout).strip()[-800:]}"
            )
    shutil.rmtree(venv, ignore_errors=True)
    os.replace(staging, venv)
    installed = _installed_version(python)
    assert installed == version, f"{venv} holds duckdb {installed}, not {version}"
    return python


def read_with(python: Path, database: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", READER, str(database)], capture_output=True,
                          text=True, check=False, timeout=300)


def as_json(value) -> str:
    """One canonical text for values read by either DuckDB (floats by repr, others as text)."""
    return json.dumps(value, default=str)


@pytest.fixture(scope="module")
def warehouse_catalog(shared_built_project: ProjectCopy) -> dict[str, dict]:
    """The comments (as published: plain text) and column types of every mart in the built copy's
    warehouse."""
    warehouse = shared_built_project.root / "warehouse" / "medres.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = dict(connection.execute(
            "select table_name, comment from duckdb_tables() where schema_name = ?",
            [MARTS_SCHEMA]).fetchall())
        catalog = {table: {"comment": plain_text(comment), "columns": []}
                   for table, comment in tables.items()}
        for table, column, data_type, comment in connection.execute(
                "select table_name, column_name, data_type, comment from duckdb_columns() "
                "where schema_name = ? order by table_name, column_index",
                [MARTS_SCHEMA]).fetchall():
            catalog[table]["columns"].append([column, data_type, plain_text(comment)])
    return catalog


@pytest.mark.parametrize("version", OLD_DUCKDB_VERSIONS)
def test_old_duckdb_reads_the_published_file(
        version, shared_built_project: ProjectCopy, warehouse_catalog, tmp_path):
    python = old_duckdb_python(version)
    published = shared_built_project.published

    # The control: what the project's DuckDB writes by default, this client cannot open. So the
    # file below opens because of PUBLISHED_STORAGE_VERSION, not because the client is new enough.
    newest = tmp_path / "default_format.duckdb"
    with duckdb.connect(str(newest)) as connection:
        connection.execute("create table t as select 1 as x")
    refused = read_with(python, newest)
    assert refused.returncode != 0 and "version number" in refused.stderr, (
        f"duckdb {version} opened a file in DuckDB {duckdb.__version__}'s default format: the "
        f"control no longer shows anything\n{refused.stdout[-500:]}{refused.stderr[-500:]}")

    read = read_with(python, published / "medres.duckdb")
    assert read.returncode == 0, (
        f"duckdb {version} cannot open published/medres.duckdb (written as storage version "
        f"{PUBLISHED_STORAGE_VERSION}):\n{read.stderr[-3000:]}")
    seen = json.loads(read.stdout)
    assert seen["version"] == version
    tables = seen["tables"]

    parquet_files = {path.stem: path for path in (published / "parquet").glob("*.parquet")}
    assert sorted(tables) == sorted(parquet_files) == sorted(warehouse_catalog)
    for table, path in sorted(parquet_files.items()):
        old = tables[table]
        # Every table and column comment dbt persisted, and the column names and types.
        assert old["comment"] == warehouse_catalog[table]["comment"], table
        assert old["columns"] == warehouse_catalog[table]["columns"], table
        # The same rows, in the same (key) order, as the Parquet copy read by the project's DuckDB.
        relation = duckdb.sql(f"select * from read_parquet('{path}')")
        assert [column for column, _, _ in old["columns"]] == relation.columns, table
        assert as_json(old["rows"]) == as_json(relation.fetchall()), (
            f"{table}: duckdb {version} reads other rows from medres.duckdb than the Parquet copy")
    assert sum(len(table["rows"]) for table in tables.values()) > 0
