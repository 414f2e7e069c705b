"""Publish the marts for BI readers: a separate DuckDB file and one Parquet file per mart.

dbt-duckdb keeps the warehouse file open (and locked) for the whole run, and DuckDB allows one
writer per file, so BI tools must never read the warehouse itself. After a successful build this
module copies every table of the ``marts`` schema into ``published/medres.duckdb`` and
``published/parquet/<mart>.parquet``.

- **Only a proven build is published.** Before copying anything it reads dbt's
  ``target/run_results.json`` and refuses (exit status 1, nothing written) unless that file records
  a ``dbt build`` in which every node succeeded (``success``, ``pass``, ``warn``, ``no-op``; an
  ``error``, ``fail`` or ``skipped`` refuses), which built every mart about to be published, and
  which was the last thing to write the warehouse (see :func:`verify_build`).
- **Readable by older clients.** ``medres.duckdb`` is written in the storage format of
  :data:`PUBLISHED_STORAGE_VERSION`, so the DuckDB inside BI tools and drivers opens it even when
  the project's own DuckDB is newer.
- **Byte-stable.** Rows are written sorted on all columns (left to right; every mart leads with
  its key columns), so rebuilding unchanged seeds publishes byte-identical Parquet files. DuckDB
  does not write the same bytes twice for the same tables (its file header and block layout differ
  by a few dozen bytes), so ``medres.duckdb`` is replaced only when its content changed (tables,
  columns, types, comments, rows: :func:`content_digest`); an unchanged build keeps the old file.
- **Plain-text comments.** dbt's descriptions are Markdown (rendered by the dbt docs site);
  BI tools show a table or column comment as plain text, so :func:`plain_text` removes the
  Markdown (emphasis, code spans, table pipes) before the comments are written.
- **Atomic.** Each file is written under a temporary name in the same directory and then renamed
  over the old one (an atomic replace on POSIX): a reader sees the complete previous version or the
  complete new one, and a reader holding the old file open keeps reading the old inode without
  blocking the build. If anything fails before the rename, the previous files are untouched.

Usage: ``python -m medres.publish [--warehouse PATH] [--out DIR] [--run-results PATH]
[--schema SCHEMA]``. The default schema ``marts`` is the one the default dbt target (``prod``)
builds; a build of another target publishes with ``--schema <target schema>_marts`` (e.g.
``--schema dev_marts --out published-dev``; see macros/generate_schema_name.sql).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"
DEFAULT_WAREHOUSE = Path(os.environ.get("MEDRES_DUCKDB_PATH", "warehouse/medres.duckdb"))
DEFAULT_OUT = Path("published")
# dbt writes its run results into its target path (``target/`` unless DBT_TARGET_PATH says otherwise).
DEFAULT_RUN_RESULTS = Path(os.environ.get("DBT_TARGET_PATH", "target")) / "run_results.json"

# The storage format of published/medres.duckdb. DuckDB writes its newest format by default, which
# older DuckDB releases refuse to open ("Trying to read a database file with version number ...");
# the DuckDB embedded in BI tools, SQL clients and drivers usually lags the project's by a release
# or more. 'v1.1.0' is the format DuckDB 1.1 reads (storage version 64), so DuckDB 1.1.0 and every
# later release (1.2, 1.3, 1.4, 2.x) open the file. python_tests/test_published_compat.py opens it
# with DuckDB 1.1.3 and 1.4.5; raise the version only together with that test and the README's
# "BI tools" section, which tells users which clients read the file.
PUBLISHED_STORAGE_VERSION = "v1.1.0"

# Node statuses of a run that may be published: models and seeds `success`, tests `pass` or `warn`
# (a warn-severity test is the project's deliberate "report but go on"), exposures `no-op`.
# Everything else (`error`, `fail`, `skipped`, `partial success`, `runtime error`, ...) refuses.
PUBLISHABLE_STATUSES = frozenset({"success", "pass", "warn", "no-op"})
# dbt writes run_results.json just before it closes the warehouse, and DuckDB's final checkpoint on
# close touches the file afterwards (about half a second for this project). A warehouse modified
# later than this after the build finished was written by something else (another dbt command, or
# a build that was killed before it could write its run results).
CLOSE_GRACE_SECONDS = 30.0
# The warehouse file's mtime and dbt's timestamps come from the same clock; allow for file systems
# with coarse timestamps.
CLOCK_SLACK_SECONDS = 2.0
MAX_LISTED = 10


class UnverifiedBuildError(RuntimeError):
    """The warehouse is not the product of one complete, successful ``dbt build``."""


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


def mart_tables(connection: duckdb.DuckDBPyConnection, database: str,
                schema: str = MARTS_SCHEMA) -> list[str]:
    """Names of the base tables in the marts schema of an attached database, sorted."""
    rows = connection.execute(
        "select table_name from duckdb_tables() "
        "where database_name = ? and schema_name = ? order by table_name",
        [database, schema],
    ).fetchall()
    return [name for (name,) in rows]


# --- Plain-text comments --------------------------------------------------------------------------

_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_LIST_ITEM = re.compile(r"^(\d+\.|[-*+]) ")


def _plain_inline(text: str) -> str:
    text = re.sub(r"`([^`]*)`", r"\1", text)                      # code spans
    text = re.sub(r"\*\*(\S(?:.*?\S)?)\*\*", r"\1", text)         # strong
    text = re.sub(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])", r"\1", text)  # emphasis
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)            # links: their text
    return text


def plain_text(markdown: str | None) -> str | None:
    """A dbt description (Markdown) as plain text for a table or column comment.

    Emphasis, code spans and links keep their text; a Markdown table becomes one line per row with
    its cells joined by ": " (two cells) or "; " (the separator row is dropped); list items and indented formulas keep
    their own lines; the wrapped lines of a paragraph are joined into one line; paragraphs stay
    separated by a blank line.
    """
    if markdown is None:
        return None
    paragraphs: list[list[str]] = [[]]
    for raw in markdown.strip().splitlines():
        line = raw.strip()
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        if _TABLE_SEPARATOR.match(line):
            continue
        if line.startswith("|"):
            cells = [_plain_inline(cell.strip()) for cell in line.strip("|").split("|")]
            paragraphs[-1].append("\n" + (": " if len(cells) == 2 else "; ").join(cells))
        elif _LIST_ITEM.match(line) or raw.startswith("    "):
            item = re.sub(r"^[*+] ", "- ", line)
            paragraphs[-1].append("\n" + _plain_inline(item))
        else:
            paragraphs[-1].append(_plain_inline(line))
    text = "\n\n".join(
        " ".join(lines).replace(" \n", "\n").lstrip("\n") for lines in paragraphs if lines)
    return text.strip()


# --- Proof of a successful build ----------------------------------------------------------------

def _timestamp(text: str) -> datetime:
    """dbt's ISO timestamps (``2026-01-01T12:00:00.123456Z``) as aware datetimes."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _relation_parts(relation_name: str) -> list[str]:
    """``"db"."schema"."table"`` (quoted or not) as its unquoted, lower-cased parts."""
    parts = re.findall(r'"((?:[^"]|"")*)"|([^."]+)', relation_name)
    return [(quoted.replace('""', '"') or bare).lower() for quoted, bare in parts]


def _one_line(message: object, limit: int = 300) -> str:
    """dbt's multi-line node message (``Runtime Error in model x`` then the cause) on one line."""
    text = " ".join(line.strip() for line in str(message).splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_run_results(run_results: Path) -> dict:
    if not run_results.exists():
        raise UnverifiedBuildError(
            f"no dbt run results at {run_results}: publishing needs the record of a successful "
            "`dbt build` (run `make build`)"
        )
    try:
        results = json.loads(run_results.read_text(encoding="utf-8"))
        if not isinstance(results["results"], list) or not results["metadata"]["generated_at"]:
            raise ValueError("no results or no generated_at")
    except (ValueError, KeyError, TypeError) as error:
        raise UnverifiedBuildError(
            f"{run_results} is not a dbt run_results.json ({error}): run `make build`"
        ) from error
    return results


def verify_build(run_results: Path, warehouse: Path) -> dict:
    """Check that ``run_results`` records a complete, successful ``dbt build`` that was the last
    writer of ``warehouse``; return the parsed run results or raise :class:`UnverifiedBuildError`.

    Which marts that build covered is checked separately (:func:`verify_marts_built`), once the
    warehouse's marts are known.
    """
    results = load_run_results(run_results)
    command = results.get("args", {}).get("which")
    if command != "build":
        invocation = results.get("args", {}).get("invocation_command") or f"dbt {command}"
        raise UnverifiedBuildError(
            f"the last dbt invocation recorded in {run_results} was `{invocation}`, not a "
            "`dbt build`: publishing needs a build (seeds, models and data tests) that passed; "
            "run `make build`"
        )
    bad = [r for r in results["results"] if r.get("status") not in PUBLISHABLE_STATUSES]
    if bad:
        lines = [
            f"  {r.get('unique_id')}: {r.get('status')}"
            + (f" ({_one_line(r['message'])})" if r.get("message") else "")
            for r in bad[:MAX_LISTED]
        ]
        if len(bad) > MAX_LISTED:
            lines.append(f"  ... and {len(bad) - MAX_LISTED} more")
        raise UnverifiedBuildError(
            f"the dbt build recorded in {run_results} did not succeed: {len(bad)} of "
            f"{len(results['results'])} nodes are not success/pass/warn:\n" + "\n".join(lines)
            + "\nfix the build and run `make build`"
        )
    if warehouse.with_name(warehouse.name + ".wal").exists():
        raise UnverifiedBuildError(
            f"{warehouse}.wal exists: a dbt command is writing the warehouse now, or one was "
            "killed before it finished; run `make build`"
        )
    metadata = results["metadata"]
    started = _timestamp(metadata.get("invocation_started_at") or metadata["generated_at"])
    finished = _timestamp(metadata["generated_at"])
    modified = datetime.fromtimestamp(warehouse.stat().st_mtime, tz=UTC)
    if (started - modified).total_seconds() > CLOCK_SLACK_SECONDS:
        raise UnverifiedBuildError(
            f"{warehouse} was last written at {modified:%Y-%m-%d %H:%M:%S} UTC, before the dbt build "
            f"recorded in {run_results} started ({started:%Y-%m-%d %H:%M:%S} UTC): those results "
            "are of another warehouse; run `make build`"
        )
    if (modified - finished).total_seconds() > CLOSE_GRACE_SECONDS:
        raise UnverifiedBuildError(
            f"{warehouse} was written at {modified:%Y-%m-%d %H:%M:%S} UTC, after the dbt build "
            f"recorded in {run_results} finished ({finished:%Y-%m-%d %H:%M:%S} UTC): another dbt "
            "command, or a build that did not finish, changed it since; run `make build`"
        )
    return results


def verify_marts_built(results: dict, tables: list[str], run_results: Path,
                       schema: str = MARTS_SCHEMA) -> None:
    """Every mart about to be published was built (successfully) by the recorded invocation."""
    built = set()
    for result in results["results"]:
        if str(result.get("unique_id", "")).startswith(("model.", "seed.", "snapshot.")):
            parts = _relation_parts(result.get("relation_name") or "")
            if len(parts) >= 2:
                built.add((parts[-2], parts[-1]))
    missing = [table for table in tables if (schema.lower(), table.lower()) not in built]
    if missing:
        raise UnverifiedBuildError(
            f"the dbt build recorded in {run_results} did not build "
            f"{', '.join(f'{schema}.{t}' for t in missing)}: run a full `make build` (no "
            "--select); a table whose model was removed or renamed stays in the warehouse until "
            "it is dropped or the warehouse file is deleted"
        )


# --- Copying --------------------------------------------------------------------------------------

def _copy_comments(connection: duckdb.DuckDBPyConnection, source: str, table: str,
                   schema: str = MARTS_SCHEMA) -> None:
    """Carry dbt's persisted descriptions (table and column comments) into the published copy,
    as plain text (:func:`plain_text`)."""
    table_comment = connection.execute(
        "select comment from duckdb_tables() where database_name = ? and schema_name = ? "
        "and table_name = ?",
        [source, schema, table],
    ).fetchone()
    if table_comment and table_comment[0]:
        connection.execute(
            f"comment on table {_quote(table)} is {_literal(plain_text(table_comment[0]))}")
    columns = connection.execute(
        "select column_name, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? and comment is not null",
        [source, schema, table],
    ).fetchall()
    for column, comment in columns:
        connection.execute(
            f"comment on column {_quote(table)}.{_quote(column)} is {_literal(plain_text(comment))}"
        )


def content_digest(connection: duckdb.DuckDBPyConnection, database: str) -> dict[str, tuple]:
    """Per table of the main schema of an attached database: its comment, its columns with their
    types and comments, and an MD5 of its rows in sorted order — what a reader can see of it."""
    digest = {}
    tables = connection.execute(
        "select table_name, comment from duckdb_tables() where database_name = ? "
        "and schema_name = 'main' order by table_name", [database]).fetchall()
    for table, comment in tables:
        columns = connection.execute(
            "select column_name, data_type, comment from duckdb_columns() where database_name = ? "
            "and schema_name = 'main' and table_name = ? order by column_index",
            [database, table]).fetchall()
        rows = connection.execute(
            f"select count(*), md5(coalesce(string_agg(row_text, chr(10) order by row_text), '')) "
            f"from (select cast(t as varchar) as row_text "
            f"from {_quote(database)}.main.{_quote(table)} as t)").fetchone()
        digest[table] = (comment, tuple(columns), tuple(rows))
    return digest


def _same_content(staged: Path, published: Path) -> bool:
    """Whether two published DuckDB files hold the same tables, columns, comments and rows."""
    if not published.exists():
        return False
    try:
        with duckdb.connect() as connection:
            connection.execute(f"attach {_literal(str(staged))} as staged (read_only)")
            connection.execute(f"attach {_literal(str(published))} as current (read_only)")
            return content_digest(connection, "staged") == content_digest(connection, "current")
    except duckdb.Error:
        return False  # an unreadable old file is replaced


def publish(warehouse: Path = DEFAULT_WAREHOUSE, out: Path = DEFAULT_OUT,
            run_results: Path = DEFAULT_RUN_RESULTS, schema: str = MARTS_SCHEMA) -> list[str]:
    """Copy every mart to ``out/medres.duckdb`` and ``out/parquet/``; return the mart names.

    Raises :class:`UnverifiedBuildError` (and writes nothing) unless ``run_results`` proves a
    successful ``dbt build`` of ``warehouse`` that built every mart.
    """
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist: run `make build` first")
    results = verify_build(run_results, warehouse)
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
        tables = mart_tables(connection, "warehouse", schema)
        if not tables:
            raise RuntimeError(f"no tables in schema {schema!r} of {warehouse}")
        verify_marts_built(results, tables, run_results, schema)
        for table in tables:
            source = f"warehouse.{_quote(schema)}.{_quote(table)}"
            # Sorted on every column, left to right: the same data gives the same bytes, whatever
            # order the build's threads produced the rows in.
            connection.execute(
                f"create table {_quote(table)} as select * from {source} order by all"
            )
            _copy_comments(connection, "warehouse", table, schema)
            final = parquet_dir / f"{table}.parquet"
            staged = staged_path(final)
            connection.execute(
                f"copy (select * from {_quote(table)} order by all) to {_literal(str(staged))} "
                "(format parquet)"
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
    if _same_content(staged_database, out / "medres.duckdb"):
        staged_database.unlink()  # unchanged: the old file stays, byte for byte
    else:
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
    parser.add_argument("--run-results", type=Path, default=DEFAULT_RUN_RESULTS,
                        help="dbt's run_results.json of the build to publish "
                             "(default: %(default)s)")
    parser.add_argument("--schema", default=MARTS_SCHEMA,
                        help="the warehouse schema holding the marts: %(default)s for the default "
                             "dbt target (prod), <target schema>_marts for another target")
    arguments = parser.parse_args(argv)
    try:
        tables = publish(arguments.warehouse, arguments.out, arguments.run_results,
                         arguments.schema)
    except UnverifiedBuildError as error:
        print(f"medres.publish: refused, {arguments.out}/ is unchanged: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        # Each file is renamed into place only once fully written, so a failure leaves the old one.
        print(f"medres.publish: cannot write {error.filename or arguments.out} ({error.strerror}); "
              f"make {arguments.out}/ writable (permissions, free disk, a read-only mount) and run "
              f"`make publish`. The files already in {arguments.out}/ are unchanged.", file=sys.stderr)
        return 1
    print(f"medres: published {len(tables)} marts to {arguments.out}/medres.duckdb and "
          f"{arguments.out}/parquet/: {', '.join(tables)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
