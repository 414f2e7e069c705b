"""``dbt build`` for ``make build``: one build at a time, and a failing data test names its rows.

Usage: ``python -m medres.build [--publish] [dbt build arguments, e.g. --vars '{..}' -s nbs_beds+]``.

dbt itself prints only ``Failure in test change_consistent_across_units_stg_nbs__beds_beds_10k
(models/staging/nbs/_nbs__models.yml)`` and ``Got 1 result``. After a failed build this module
prints, under each failing test's name, what the test checks (its description) and its failing
rows, in the seed check's form (file, row, cells, cause), at most :data:`MAX_ROWS` rows per test
and one line counting the rest::

    models/staging/nbs/_nbs__models.yml, test change_consistent_across_units on
    stg_nbs__beds.beds_10k: Units (provinces) whose change ... (2 failing rows)
      row 1: year 2023, region_code 430000, series beds_10k, previous_value 53.57, ...

The rows come from the test's own query: every data test returns its failing rows with the columns
that explain them (see tests/generic/), and the compiled query of each failing test (dbt's
``target/run_results.json``) is run again, read-only, against the warehouse dbt has just closed.
This adds nothing to a passing build (no audit tables are stored).

The environment's failures get one line naming cause and fix:

* Two builds at once: the build takes an exclusive lock (``flock``) on ``.medres-build.lock``
  beside the warehouse for dbt build and publish; a second build refuses at once, naming the
  process that holds the lock, instead of failing halfway on DuckDB's file lock.
* The warehouse held by another process (a notebook, a BI tool, ``dbt show``): DuckDB allows one
  writer; dbt's "Could not set lock on file" becomes one line naming the file and the process.

With ``--publish`` the marts are published (``medres.publish``) after a successful build, under
the same lock; a failed build never publishes, so published/ keeps the last good outputs.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import duckdb

from medres import publish

# Failing rows printed per test; the count of the rest follows (the seed check's bound is per rule).
MAX_ROWS = 10
TARGET = Path(os.environ.get("DBT_TARGET_PATH", "target"))
LOCK_NAME = ".medres-build.lock"
# DuckDB's message when another process holds the database file.
HELD = re.compile(r'Could not set lock on file "([^"]+)": Conflicting lock is held in (.+?) \(PID (\d+)\)')


def lock_path(warehouse: Path) -> Path:
    return warehouse.absolute().parent / LOCK_NAME  # absolute: messages name it whole


def acquire(warehouse: Path) -> IO[str] | None:
    """The open, exclusively locked lock file, or None (with a message) if another build holds it."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        print(f"medres.build: another build is running ({holder} holds {path}); wait for it to "
              "finish and build again. Nothing was built; published/ is unchanged.")
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def describe(node: dict[str, Any], manifest: dict[str, Any]) -> str:
    """What a test checks: its own description, else its generic test's (macro) description."""
    if node.get("description"):
        return node["description"].strip()
    name = (node.get("test_metadata") or {}).get("name")
    macro = manifest.get("macros", {}).get(f"macro.medres.test_{name}") if name else None
    text = (macro or {}).get("description", "").strip()
    if text:
        return text
    # dbt's own tests (not_null, accepted_values, ...) carry no description: name the arguments.
    kwargs = {k: v for k, v in ((node.get("test_metadata") or {}).get("kwargs") or {}).items()
              if k not in ("model", "column_name")}
    return f"{name or node['name']}" + (f" with {', '.join(f'{k} {v}' for k, v in kwargs.items())}"
                                         if kwargs else "")


def subject(node: dict[str, Any]) -> str:
    """``test <generic test> on <model>.<column>`` or ``test <singular test>``."""
    metadata = node.get("test_metadata") or {}
    if not metadata:
        return f"test {node['name']}"
    kwargs = metadata.get("kwargs") or {}
    model = re.sub(r"\{\{\s*get_where_subquery\(ref\('([^']+)'\)\)\s*\}\}", r"\1", str(kwargs.get("model", "")))
    column = f".{kwargs['column_name']}" if kwargs.get("column_name") else ""
    return f"test {metadata['name']} on {model}{column}"


def failing_rows(warehouse: Path, compiled: str) -> tuple[list[str], list[tuple], int]:
    """Columns, the first MAX_ROWS rows and the number of rows of a test's compiled query."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        total = connection.execute(f"select count(*) from ({compiled}) as failures").fetchone()[0]
        cursor = connection.execute(f"select * from ({compiled}) as failures limit {MAX_ROWS}")
        columns = [column[0] for column in cursor.description]
        return columns, cursor.fetchall(), total


def report_failures(warehouse: Path, target: Path = TARGET) -> list[str]:
    """The lines naming each failing test, what it checks and its failing rows."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return []  # dbt stopped before running anything (a parse error): its own message says why
    lines = []
    for result in results:
        node = manifest.get("nodes", {}).get(result.get("unique_id", ""))
        # A warn-severity test reports and goes on (dbt prints its warning); only failures stop.
        if node is None or node.get("resource_type") != "test" or result.get("status") != "fail":
            continue
        head = f"{node.get('original_file_path', '')}, {subject(node)}"
        what = describe(node, manifest)
        compiled = result.get("compiled_code") or node.get("compiled_code")
        if not compiled:
            lines.append(f"{head}: {what} ({result.get('failures')} failing rows; query not available)")
            continue
        try:
            columns, rows, total = failing_rows(warehouse, compiled)
        except duckdb.Error as error:
            lines.append(f"{head}: {what} ({result.get('failures')} failing rows; they could not be "
                         f"read back: {publish._one_line(error)})")
            continue
        lines.append(f"{head}: {what} ({total} failing row{'s' if total != 1 else ''})")
        for number, row in enumerate(rows, start=1):
            cells = ", ".join(f"{column} {_cell(value)}" for column, value in zip(columns, row))
            lines.append(f"  row {number}: {cells}")
        if total > len(rows):
            lines.append(f"  {total - len(rows)} more failing rows like the {len(rows)} above not printed")
    return lines


def explain_environment(output: str) -> list[str]:
    """One line per environment failure dbt's output shows, naming cause and fix."""
    held = HELD.search(output)
    if held:
        # DuckDB names the file as dbt opened it (profiles.yml's default is relative): name it whole.
        return [f"medres.build: the warehouse {Path(held.group(1)).absolute()} is held by another process "
                f"(PID {held.group(3)}: {held.group(2)}), e.g. a notebook, a BI tool or another dbt "
                "command; close it (or wait for it) and build again. published/ is unchanged."]
    return []


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    publish_after = "--publish" in arguments
    dbt_arguments = [a for a in arguments if a != "--publish"]
    warehouse = publish.DEFAULT_WAREHOUSE
    lock = acquire(warehouse)
    if lock is None:
        return 1
    try:
        dbt = Path(sys.executable).with_name("dbt")
        # dbt's output is passed through as it comes (a build takes half a minute) and kept, so
        # an environment failure in it can be explained afterwards.
        with subprocess.Popen([str(dbt), "build", *dbt_arguments], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as process:
            output = []
            for line in process.stdout:
                print(line, end="", flush=True)
                output.append(line)
        if process.returncode != 0:
            explained = explain_environment("".join(output))
            failures = [] if explained else report_failures(warehouse)
            for line in [*explained, *(["medres.build: the failing data tests and their rows:"]
                                       if failures else []), *failures]:
                print(line)
            print("medres.build: dbt build failed; nothing was published, published/ is unchanged.")
            return process.returncode
        if publish_after:
            return publish.main([])
        return 0
    finally:
        lock.close()


if __name__ == "__main__":
    sys.exit(main())
