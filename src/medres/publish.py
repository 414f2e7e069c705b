"""Publish the marts for BI readers: a separate DuckDB file and one Parquet file per mart.

dbt-duckdb keeps the warehouse file open (and locked) for the whole run, and DuckDB allows one
writer per file, so BI tools must never read the warehouse itself. After a successful build this
module copies every table of the ``marts`` schema into ``published/medres.duckdb`` and
``published/parquet/<mart>.parquet``. Each file is written under a temporary name in the same
directory and then renamed over the old one (an atomic replace on POSIX): a reader sees the complete
previous version or the complete new one, and a reader holding the old file open keeps reading the
old inode without blocking the build. If anything fails before the rename, the previous files are
untouched.

``medres.duckdb`` is written in the storage format of :data:`PUBLISHED_STORAGE_VERSION`, so the
DuckDB inside BI tools and drivers opens it even when the project's own DuckDB is newer.

Usage: ``python -m medres.publish [--warehouse PATH] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"
DEFAULT_WAREHOUSE = Path(os.environ.get("MEDRES_DUCKDB_PATH", "warehouse/medres.duckdb"))
DEFAULT_OUT = Path("published")
# The storage format of published/medres.duckdb. DuckDB writes its newest format by default, which
# older DuckDB releases refuse to open ("Trying to read a database file with version number ...");
# the DuckDB embedded in BI tools, SQL clients and drivers usually lags the project's by a release
# or more. 'v1.1.0' is the format DuckDB 1.1 reads (storage version 64), so DuckDB 1.1.0 and every
# later release (1.2, 1.3, 1.4, 2.x) open the file. python_tests/test_published_compat.py opens it
# with DuckDB 1.1.3 and 1.4.5; raise the version only together with that test and the README's
# "BI tools" section, which tells users which clients read the file.
PUBLISHED_STORAGE_VERSION = "v1.1.0"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def staged_path(target: Path) -> Path:
    """The temporary name ``target`` is written under before it is renamed into place: hidden, in
    the same directory (a rename across file systems would not be atomic) and unique per process."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Have ``write`` write the staged path, then rename it over ``target``.

    A reader sees the previous file or the complete new one; if ``write`` fails, ``target`` is
    untouched and the staged file is removed.
    """
    staged = staged_path(target)
    try:
        write(staged)
        os.replace(staged, target)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return target


def mart_tables(connection: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """Names of the base tables in the marts schema of an attached database, sorted."""
    rows = connection.execute(
        "select table_name from duckdb_tables() "
        "where database_name = ? and schema_name = ? order by table_name",
        [database, MARTS_SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


def _copy_comments(connection: duckdb.DuckDBPyConnection, source: str, table: str) -> None:
    """Carry dbt's persisted descriptions (table and column comments) into the published copy."""
    table_comment = connection.execute(
        "select comment from duckdb_tables() where database_name = ? and schema_name = ? "
        "and table_name = ?",
        [source, MARTS_SCHEMA, table],
    ).fetchone()
    if table_comment and table_comment[0]:
        connection.execute(f"comment on table {_quote(table)} is {_literal(table_comment[0])}")
    columns = connection.execute(
        "select column_name, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? and comment is not null",
        [source, MARTS_SCHEMA, table],
    ).fetchall()
    for column, comment in columns:
        connection.execute(
            f"comment on column {_quote(table)}.{_quote(column)} is {_literal(comment)}"
        )


def publish(warehouse: Path = DEFAULT_WAREHOUSE, out: Path = DEFAULT_OUT) -> list[str]:
    """Copy every mart to ``out/medres.duckdb`` and ``out/parquet/``; return the mart names."""
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist: run `make build` first")
    parquet_dir = out / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    staged_database = staged_path(out / "medres.duckdb")
    staged_database.unlink(missing_ok=True)

    connection = duckdb.connect()
    staged_parquet: list[tuple[Path, Path]] = []
    try:
        connection.execute(
            f"attach {_literal(str(staged_database))} as published "
            f"(storage_version {_literal(PUBLISHED_STORAGE_VERSION)})"
        )
        connection.execute("use published")
        connection.execute(f"attach {_literal(str(warehouse))} as warehouse (read_only)")
        tables = mart_tables(connection, "warehouse")
        if not tables:
            raise RuntimeError(f"no tables in schema {MARTS_SCHEMA!r} of {warehouse}")
        for table in tables:
            source = f"warehouse.{MARTS_SCHEMA}.{_quote(table)}"
            connection.execute(f"create table {_quote(table)} as select * from {source}")
            _copy_comments(connection, "warehouse", table)
            final = parquet_dir / f"{table}.parquet"
            staged = staged_path(final)
            connection.execute(
                f"copy {_quote(table)} to {_literal(str(staged))} (format parquet)"
            )
            staged_parquet.append((staged, final))
        connection.execute("detach warehouse")
        connection.execute("checkpoint published")
        connection.execute("use memory")
        connection.execute("detach published")
    except BaseException:
        connection.close()
        staged_database.unlink(missing_ok=True)
        for staged, _ in staged_parquet:
            staged.unlink(missing_ok=True)
        raise
    connection.close()

    # Everything is written; only renames remain, each atomic.
    for staged, final in staged_parquet:
        os.replace(staged, final)
    os.replace(staged_database, out / "medres.duckdb")
    # A mart dropped from the project must not linger as a stale Parquet file.
    for leftover in parquet_dir.glob("*.parquet"):
        if leftover.stem not in tables:
            leftover.unlink()
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    arguments = parser.parse_args(argv)
    tables = publish(arguments.warehouse, arguments.out)
    print(f"medres: published {len(tables)} marts to {arguments.out}/medres.duckdb and "
          f"{arguments.out}/parquet/: {', '.join(tables)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
